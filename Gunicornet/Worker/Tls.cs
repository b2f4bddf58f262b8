using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Gunicornet.Config;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gunicornet.Worker;

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

        if (settings.Ciphers is { } ciphers && Config.CipherSuites.TryParse(ciphers, out var suites, out _))
        {
            options.OnAuthenticate = (_, ssl) => ssl.CipherSuitesPolicy = new CipherSuitesPolicy(suites!);
        }

        return options;
    }
}
