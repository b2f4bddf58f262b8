using System.Diagnostics;
using System.Net.Security;

namespace Gunicornet.Config;

/// <summary>The value of <c>ciphers</c>: TLS cipher suites by IANA name or as an OpenSSL cipher string.</summary>
internal static class CipherSuites
{
    /// <summary>
    /// Reads a cipher list: IANA suite names as they are, anything else expanded by
    /// <c>openssl ciphers -stdname</c> (OpenSSL's own syntax, as gunicorn's <c>ciphers</c> takes).
    /// </summary>
    public static bool TryParse(string value, out TlsCipherSuite[]? suites, out string? error)
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
