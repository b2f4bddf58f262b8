using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gunicornet.Worker;

/// <summary>TLS as gunicorn's settings describe it: certfile, keyfile, ca_certs, cert_reqs, ciphers.</summary>
/// <param name="CertFile">The PEM certificate, an absolute path.</param>
/// <param name="KeyFile">Its PEM key, or null when the certificate file holds it.</param>
/// <param name="CaCerts">The client CAs, or null for the system's.</param>
/// <param name="CertReqs">0 no client certificate, 1 optional, 2 required.</param>
/// <param name="Ciphers">The cipher suites, or null for the system's.</param>
internal sealed record TlsSettings(string CertFile, string? KeyFile, string? CaCerts, int CertReqs, string? Ciphers);

/// <summary>Loads the TLS settings into what Kestrel's https middleware takes.</summary>
internal static class Tls
{
    /// <summary>The loaded certificate and options; throws with a message naming the file that failed.</summary>
    public static HttpsConnectionAdapterOptions Load(TlsSettings settings)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(settings.CertFile, settings.KeyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"Can't load the certificate '{settings.CertFile}'{(settings.KeyFile is null ? "" : $" with key '{settings.KeyFile}'")}: {e.Message}", e);
        }

        var options = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = settings.CertReqs switch
            {
                1 => ClientCertificateMode.AllowCertificate,
                2 => ClientCertificateMode.RequireCertificate,
                _ => ClientCertificateMode.NoCertificate,
            },
        };

        // The chain after the leaf, sent to clients.
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(settings.CertFile);
        if (chain.Count > 1)
        {
            options.ServerCertificateChain = new X509Certificate2Collection(chain.Skip(1).ToArray());
        }

        if (settings.CaCerts is { } caFile)
        {
            var authorities = new X509Certificate2Collection();
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"Can't load the CA certificates '{caFile}': {e.Message}", e);
            }

            options.ClientCertificateValidation = (client, _, _) =>
            {
                using var check = new X509Chain();
                check.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                check.ChainPolicy.CustomTrustStore.AddRange(authorities);
                check.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return check.Build(client);
            };
        }

        if (settings.Ciphers is { } ciphers && TryParseCiphers(ciphers, out var suites, out _))
        {
            options.OnAuthenticate = (_, ssl) => ssl.CipherSuitesPolicy = new CipherSuitesPolicy(suites!);
        }

        return options;
    }

    /// <summary>
    /// Reads a cipher list: IANA suite names as they are, anything else expanded by
    /// <c>openssl ciphers -stdname</c> (OpenSSL's own syntax, as gunicorn's <c>ciphers</c> takes).
    /// </summary>
    public static bool TryParseCiphers(string value, out TlsCipherSuite[]? suites, out string? error)
    {
        error = null;
        suites = null;
        var names = value.Split(':', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            error = "names no cipher suite";
            return false;
        }

        if (names.All(n => Enum.TryParse<TlsCipherSuite>(n, out _)))
        {
            suites = names.Select(Enum.Parse<TlsCipherSuite>).ToArray();
            return true;
        }

        string output;
        try
        {
            var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("ciphers");
            start.ArgumentList.Add("-stdname");
            start.ArgumentList.Add(value);
            using var process = Process.Start(start)!;
            output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                error = $"'{value}' selects no cipher suite OpenSSL knows";
                return false;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            error = $"'{value}' is not a list of IANA cipher suite names (e.g. TLS_AES_128_GCM_SHA256), and there is no openssl command to read it as an OpenSSL cipher string";
            return false;
        }

        // Lines of "TLS_AES_256_GCM_SHA384 - TLS_AES_256_GCM_SHA384 TLSv1.3 Kx=any ...".
        suites = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2)[0])
            .Select(name => Enum.TryParse<TlsCipherSuite>(name, out var suite) ? suite : (TlsCipherSuite?)null)
            .OfType<TlsCipherSuite>()
            .ToArray();
        if (suites.Length == 0)
        {
            error = $"'{value}' selects no cipher suite";
            return false;
        }

        return true;
    }
}
