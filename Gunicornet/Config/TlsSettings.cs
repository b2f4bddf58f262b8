namespace Gunicornet.Config;

/// <summary>TLS as gunicorn's settings describe it: certfile, keyfile, ca_certs, cert_reqs, ciphers.</summary>
/// <param name="CertFile">The PEM certificate, an absolute path.</param>
/// <param name="KeyFile">Its PEM key, or null when the certificate file holds it.</param>
/// <param name="CaCerts">The client CAs, or null for the system's.</param>
/// <param name="CertReqs">0 no client certificate, 1 optional, 2 required.</param>
/// <param name="Ciphers">The cipher suites, or null for the system's.</param>
internal sealed record TlsSettings(string CertFile, string? KeyFile, string? CaCerts, int CertReqs, string? Ciphers);
