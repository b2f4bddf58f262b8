using System.Buffers;

namespace Gunicornet.Worker;

/// <summary>The request target (RFC 9112 §3.2, with RFC 3986's URI grammar).</summary>
internal sealed partial class HttpGrammar
{
    /// <summary>What a path or query may hold besides pct-encoded: RFC 3986's pchar, "/" and "?".</summary>
    private static readonly SearchValues<byte> PathText = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?"u8);

    /// <summary>A reg-name's bytes besides pct-encoded: unreserved and sub-delims (RFC 3986 §3.2.2).</summary>
    private static readonly SearchValues<byte> HostText = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;="u8);

    private int _hexLeft;
    private int _slashes;
    private int _hostLength;
    private bool _inBrackets;
    private bool _afterBrackets;
    private bool _inPort;

    /// <summary>
    /// origin-form (an absolute path and query), absolute-form ("scheme://authority" and the same),
    /// authority-form (host and port, for CONNECT alone) or asterisk-form ("*").
    /// </summary>
    private int ScanTarget(ReadOnlySpan<byte> bytes, int i)
    {
        for (; i < bytes.Length; i++)
        {
            var b = bytes[i];
            switch (_state)
            {
                case State.TargetStart:
                    _hexLeft = 0;
                    if (_connect)
                    {
                        BeginAuthority();
                        i--;
                    }
                    else if (b == '/')
                    {
                        _state = State.Path;
                    }
                    else if (b == '*')
                    {
                        _state = State.Asterisk;
                    }
                    else if (char.IsAsciiLetter((char)b))
                    {
                        _state = State.Scheme;
                    }
                    else
                    {
                        return b == ' '
                            ? Fail(i, "request-line", "two spaces after the method (RFC 9112 §3)")
                            : Fail(i, "request-target", $"{Show(b)} where the request target begins (\"/\", \"scheme://\" or \"*\", RFC 9112 §3.2)");
                    }

                    break;

                case State.Path:
                {
                    if (_hexLeft == 0)
                    {
                        var run = bytes[i..].IndexOfAnyExcept(PathText);
                        i = run < 0 ? bytes.Length : i + run;
                        if (i == bytes.Length)
                        {
                            return i;
                        }

                        b = bytes[i];
                    }

                    if (_hexLeft > 0)
                    {
                        if (!Hex.Contains(b))
                        {
                            return Fail(i, "request-target", $"{Show(b)} in a percent-encoding (two hex digits, RFC 3986 §2.1)");
                        }

                        _hexLeft--;
                    }
                    else if (b == '%')
                    {
                        _hexLeft = 2;
                    }
                    else if (b == ' ')
                    {
                        return EndTarget(i);
                    }
                    else
                    {
                        return b is (byte)'\r' or (byte)'\n'
                            ? Fail(i, "request-line", "a request line without an HTTP version (RFC 9112 §3)")
                            : Fail(i, "request-target", $"{Show(b)} in the request target (RFC 9112 §3.2, RFC 3986 §3.3, §3.4)");
                    }

                    break;
                }

                case State.Asterisk:
                    if (b != ' ')
                    {
                        return Fail(i, "request-target", "a request target that begins with '*' and goes on (asterisk-form is \"*\" alone, RFC 9112 §3.2.4)");
                    }

                    return EndTarget(i);

                case State.Scheme:
                    if (b == ':')
                    {
                        _slashes = 0;
                        _state = State.SchemeSlashes;
                    }
                    else if (!char.IsAsciiLetterOrDigit((char)b) && b is not ((byte)'+' or (byte)'-' or (byte)'.'))
                    {
                        return Fail(i, "request-target", $"{Show(b)} in the scheme of an absolute-form target (RFC 3986 §3.1)");
                    }

                    break;

                case State.SchemeSlashes:
                    if (b != '/')
                    {
                        return Fail(i, "request-target", "an absolute-form target without \"//\" and an authority (RFC 9110 §4.2)");
                    }

                    if (++_slashes == 2)
                    {
                        BeginAuthority();
                    }

                    break;

                case State.Authority:
                    if (Authority(bytes, i) is { } stop)
                    {
                        return stop;
                    }

                    break;

                default:
                    return i;
            }
        }

        return i;
    }

    private void BeginAuthority()
    {
        _hostLength = 0;
        _inBrackets = false;
        _afterBrackets = false;
        _inPort = false;
        _state = State.Authority;
    }

    /// <summary>
    /// One byte of an authority: uri-host [":" port], the host a reg-name, an IPv4 address or an
    /// IP-literal in brackets (RFC 3986 §3.2); no userinfo (RFC 9110 §4.2.4 calls it an error). Returns
    /// where the scan stops, or null to go on.
    /// </summary>
    private int? Authority(ReadOnlySpan<byte> bytes, int i)
    {
        var b = bytes[i];
        if (_hexLeft > 0)
        {
            if (!Hex.Contains(b))
            {
                return Fail(i, "request-target", $"{Show(b)} in a percent-encoding (two hex digits, RFC 3986 §2.1)");
            }

            _hexLeft--;
            return null;
        }

        if (b == ' ' || (!_connect && b is (byte)'/' or (byte)'?'))
        {
            if (_inBrackets)
            {
                return Fail(i, "request-target", "an IP-literal without its ']' (RFC 3986 §3.2.2)");
            }

            if (_hostLength == 0)
            {
                return Fail(i, "request-target", "a request target with an empty host (RFC 9110 §4.2.1)");
            }

            if (_connect && !_inPort)
            {
                return Fail(i, "request-target", "a CONNECT target without a port (authority-form is host \":\" port, RFC 9112 §3.2.3)");
            }

            if (b == ' ')
            {
                return EndTarget(i);
            }

            _state = State.Path;
            return i + 1;
        }

        if (_inPort)
        {
            return char.IsAsciiDigit((char)b) ? null : Fail(i, "request-target", $"{Show(b)} in the port of the request target (digits, RFC 3986 §3.2.3)");
        }

        if (_inBrackets)
        {
            // An IPv6 address or IPvFuture: hex digits, ':', '.', 'v' and the like; Kestrel reads the address.
            if (b == ']')
            {
                _inBrackets = false;
                _afterBrackets = true;
            }
            else if (!HostText.Contains(b) && b != ':')
            {
                return Fail(i, "request-target", $"{Show(b)} in an IP-literal (RFC 3986 §3.2.2)");
            }

            return null;
        }

        switch (b)
        {
            case (byte)':':
                _inPort = true;
                return null;
            case (byte)'[' when _hostLength == 0:
                _inBrackets = true;
                _hostLength++;
                return null;
            case (byte)'@':
                return Fail(i, "request-target", "userinfo (\"user@\") in the request target (RFC 9110 §4.2.4)");
        }

        if (_afterBrackets)
        {
            return Fail(i, "request-target", $"{Show(b)} after an IP-literal, where only \":\" port may follow (RFC 3986 §3.2.2)");
        }

        if (b == '%')
        {
            _hexLeft = 2;
        }
        else if (!HostText.Contains(b))
        {
            return b is (byte)'\r' or (byte)'\n'
                ? Fail(i, "request-line", "a request line without an HTTP version (RFC 9112 §3)")
                : Fail(i, "request-target", $"{Show(b)} in the host of the request target (RFC 3986 §3.2.2)");
        }

        _hostLength++;
        return null;
    }

    /// <summary>The space after the target: the HTTP version follows.</summary>
    private int EndTarget(int at)
    {
        _state = State.Version;
        _versionIndex = 0;
        return at + 1;
    }
}
