using System.Text;

namespace Gunicornet.Worker;

/// <summary>What the head's framing fields mean (RFC 9112 §6): Content-Length, Transfer-Encoding, and the two together.</summary>
internal sealed partial class HttpGrammar
{
    /// <summary>The longest Transfer-Encoding read (a list of every coding there is fits many times).</summary>
    private const int MaxCodingsLength = 256;

    private readonly List<byte> _codings = [];
    private bool _hasTransferEncoding;

    private void ResetFraming()
    {
        _codings.Clear();
        _hasTransferEncoding = false;
    }

    /// <summary>
    /// Adds a piece of a Transfer-Encoding value (all its fields are read as one list); when it would
    /// grow too long, adds what fits and returns how many bytes of the piece did.
    /// </summary>
    private int? Codings(ReadOnlySpan<byte> piece)
    {
        var room = MaxCodingsLength - _codings.Count;
        foreach (var b in piece[..Math.Min(room, piece.Length)])
        {
            _codings.Add(b);
        }

        return piece.Length > room ? room : null;
    }

    /// <summary>A field name ended at its colon (at <paramref name="at"/>): the fields framing depends on are noted; the refusal's index, or null.</summary>
    private int? NameRead(int at)
    {
        _field = Field.Other;
        if (_nameLength > _name.Length || _inTrailer)
        {
            return null;
        }

        var name = _name.AsSpan(0, _nameLength);
        if (_nameLength is not (14 or 17 or 10 or 7))
        {
            // Not one of the four names framing depends on (most fields are not).
            return null;
        }

        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            if (_contentLength is not null)
            {
                return Fail(at, "content-length", "a second Content-Length field (RFC 9110 §8.6; refused as gunicorn does)");
            }

            _field = Field.ContentLength;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            _hasTransferEncoding = true;
            _field = Field.TransferEncoding;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            _hasConnection = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
        {
            _hasUpgrade = true;
        }

        return null;
    }

    /// <summary>The head ended (the LF of its empty line at <paramref name="at"/>): its framing is judged, and the body follows.</summary>
    private int EndHead(int at)
    {
        Requests++;
        if (_hasTransferEncoding)
        {
            if (_http10)
            {
                return Fail(at, "framing", "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)");
            }

            if (_contentLength is not null)
            {
                return Fail(at, "framing", "both Content-Length and Transfer-Encoding (RFC 9112 §6.1, §6.3; refused as gunicorn does)");
            }

            if (CodingsError() is { } error)
            {
                return Fail(at, "transfer-encoding", error.Detail, error.Status);
            }

            _remaining = 0;
            _state = State.ChunkSizeStart;
            return at + 1;
        }

        _remaining = _contentLength ?? 0;
        if (_remaining > 0)
        {
            _state = State.Body;
        }
        else
        {
            EndMessage();
        }

        return at + 1;
    }

    /// <summary>
    /// Transfer-Encoding (all its fields, comma-joined): a list of transfer-codings, each a token with
    /// optional parameters, none twice, chunked last (RFC 9112 §6.1, §7); empty elements are allowed, as
    /// RFC 9110 §5.6.1 asks of a recipient. A coding besides chunked is one Kestrel does not decode: 501,
    /// as RFC 9112 §6.1 advises (Kestrel alone hands such a body to the app still coded).
    /// </summary>
    private (string Detail, int Status)? CodingsError()
    {
        var text = Encoding.Latin1.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_codings));
        var seen = new List<string>();
        foreach (var element in text.Split(','))
        {
            var coding = element.Trim(' ', '\t');
            if (coding.Length == 0)
            {
                continue;
            }

            var semicolon = coding.IndexOf(';', StringComparison.Ordinal);
            var name = (semicolon < 0 ? coding : coding[..semicolon]).TrimEnd(' ', '\t');
            if (!IsToken(name))
            {
                return ($"'{coding}' in Transfer-Encoding is no transfer coding (a token, RFC 9112 §7)", 400);
            }

            if (semicolon >= 0 && !ParametersAreValid(coding[(semicolon + 1)..]))
            {
                return ($"the parameters of '{coding}' in Transfer-Encoding (RFC 9110 §5.6.6)", 400);
            }

            if (seen.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return ($"{name} twice in Transfer-Encoding (RFC 9112 §6.1)", 400);
            }

            seen.Add(name);
        }

        if (seen.Count == 0)
        {
            return ("an empty Transfer-Encoding (RFC 9112 §6.1)", 400);
        }

        if (!seen[^1].Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return ("Transfer-Encoding whose last coding is not chunked (RFC 9112 §6.3: the request's length cannot be known)", 400);
        }

        return seen.Count > 1
            ? ($"the transfer coding {seen[0]}, which this server does not implement (RFC 9112 §6.1)", 501)
            : null;
    }

    /// <summary>RFC 9110 §5.6.6: *( OWS ";" OWS parameter ), a parameter being token "=" ( token / quoted-string ); the first ";" already read.</summary>
    private static bool ParametersAreValid(string text)
    {
        foreach (var parameter in text.Split(';'))
        {
            var p = parameter.Trim(' ', '\t');
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !IsToken(p[..eq]))
            {
                return false;
            }

            var value = p[(eq + 1)..];
            var quoted = value.Length >= 2 && value[0] == '"' && value[^1] == '"' && !value[1..^1].Contains('"', StringComparison.Ordinal);
            if (!quoted && !IsToken(value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => c < 0x80 && Token.Contains((byte)c));
}
