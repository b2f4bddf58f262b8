using System.Buffers;
using System.Text;

namespace Gunicornet.Worker;

/// <summary>
/// The HTTP/1.1 request grammar of RFC 9112 (with RFC 9110's tokens and field values and RFC 3986's
/// request targets), checked byte by byte as a connection's bytes arrive, before Kestrel's parser sees
/// them: request line, field lines, the framing fields, chunked framing and trailers. One instance
/// follows one connection's requests one after another; it never buffers (a byte is judged when it
/// comes, the few fields framing depends on are read as they pass) and skips body bytes by count.
/// <see cref="Scan"/> stops at the first byte that breaks a rule (<see cref="Refusal"/> says which),
/// or at the end of a request that may switch protocols (<see cref="Paused"/>: what follows may not be
/// HTTP). The parts: this file the request head's lines, <c>HttpGrammar.Target.cs</c> the request
/// target, <c>HttpGrammar.Body.cs</c> the body and chunked framing, <c>HttpGrammar.Framing.cs</c>
/// what the framing fields mean.
/// </summary>
internal sealed partial class HttpGrammar
{
    /// <summary>RFC 9110 §5.6.2's tchar.</summary>
    private static readonly SearchValues<byte> Token = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>A field value's bytes other than CR: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).</summary>
    private static readonly SearchValues<byte> FieldText = SearchValues.Create(
        [9, .. Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b), .. Enumerable.Range(0x80, 0x80).Select(b => (byte)b)]);

    /// <summary>What ends a run of field text: the control characters (CR among them) and DEL, all ASCII, so searched for at vector speed.</summary>
    private static readonly SearchValues<byte> NotFieldText = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(b => b != 9).Select(b => (byte)b), 0x7F]);

    private static readonly SearchValues<byte> Hex = SearchValues.Create("0123456789ABCDEFabcdef"u8);

    private State _state = State.Start;
    private State _afterCr;
    private bool _inTrailer;

    // The request line being read.
    private int _methodLength;
    private bool _connect;
    private int _versionIndex;
    private bool _http10;

    // The field being read, and what the head's fields said of the framing.
    private readonly byte[] _name = new byte[20];
    private int _nameLength;
    private Field _field;
    private bool _hasUpgrade;
    private bool _hasConnection;
    private long? _contentLength;

    private enum State
    {
        Start, Method, Version, Cr, FieldStart, Name, ValueStart, Value, ContentLength, ContentLengthEnd, MessageEnd,
        TargetStart, Path, Asterisk, Scheme, SchemeSlashes, Authority,
        Body, ChunkSizeStart, ChunkSize, ExtSpace, ExtNameStart, ExtName, ExtAfterName, ExtValueStart, ExtToken, Quoted, QuotedPair,
        ExtAfterValue, ChunkData, ChunkDataCr,
        Failed,
    }

    private enum Field { Other, ContentLength, TransferEncoding, Connection, Upgrade }

    /// <summary>The rule the last scan stopped at, or null.</summary>
    public HttpRefusal? Refusal { get; private set; }

    /// <summary>After a request that may switch protocols (Upgrade, CONNECT): what follows is not scanned until <see cref="Resume"/>.</summary>
    public bool Paused { get; private set; }

    /// <summary>Requests whose head has been read whole.</summary>
    public long Requests { get; private set; }

    /// <summary>Requests read whole, body and all.</summary>
    public long Messages { get; private set; }

    /// <summary>The request after a paused one turned out to be HTTP after all.</summary>
    public void Resume() => Paused = false;

    /// <summary>
    /// Judges <paramref name="bytes"/>, which follow what was scanned before; returns how many are
    /// good. Fewer than all when one breaks a rule (<see cref="Refusal"/>) or a request that may
    /// switch protocols ended (<see cref="Paused"/>).
    /// </summary>
    public int Scan(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && !Paused && _state != State.Failed)
        {
            i = _state switch
            {
                >= State.TargetStart and <= State.Authority => ScanTarget(bytes, i),
                >= State.Body and <= State.ChunkDataCr => ScanBody(bytes, i),
                _ => ScanHead(bytes, i),
            };
        }

        return i;
    }

    /// <summary>The request line but its target, the field lines (of the head and of a trailer section) and every line end.</summary>
    private int ScanHead(ReadOnlySpan<byte> bytes, int i)
    {
        for (; i < bytes.Length; i++)
        {
            var b = bytes[i];
            switch (_state)
            {
                case State.Start:
                    if (b == '\r')
                    {
                        // RFC 9112 §2.2: empty lines before a request line are ignored (as Kestrel does).
                        Expect(State.Start);
                    }
                    else if (Token.Contains(b))
                    {
                        BeginRequest(b);
                    }
                    else
                    {
                        return Fail(i, "method", b == '\n' ? "a bare LF before the request line (RFC 9112 §2.2)" : $"{Show(b)} where a request begins (a method, RFC 9112 §3)");
                    }

                    break;

                case State.Method:
                    if (b == ' ')
                    {
                        _connect &= _methodLength == 7;
                        _state = State.TargetStart;
                        return i + 1;
                    }

                    if (!Token.Contains(b))
                    {
                        return Fail(i, "method", $"{Show(b)} in the method (a token, RFC 9110 §9.1)");
                    }

                    _connect &= _methodLength < 7 && b == "CONNECT"u8[_methodLength];
                    _methodLength++;
                    break;

                case State.Version:
                    // "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3); the usual one at once.
                    if (_versionIndex == 0 && bytes[i..].StartsWith("HTTP/1.1\r"u8))
                    {
                        i += 8;
                        Expect(State.FieldStart);
                    }
                    else if (_versionIndex < 8 && (_versionIndex is 5 or 7 ? char.IsAsciiDigit((char)b) : b == "HTTP/x.x"u8[_versionIndex]))
                    {
                        _http10 = _versionIndex switch
                        {
                            5 => b == '1',
                            7 => _http10 && b == '0',
                            _ => _http10,
                        };
                        _versionIndex++;
                    }
                    else if (_versionIndex == 8 && b == '\r')
                    {
                        Expect(State.FieldStart);
                    }
                    else if (_versionIndex == 8 && b == '\n')
                    {
                        return Fail(i, "line-ending", "a bare LF (RFC 9112 §2.2)");
                    }
                    else
                    {
                        return _versionIndex == 8
                            ? Fail(i, "request-line", $"{Show(b)} after the HTTP version (RFC 9112 §3)")
                            : Fail(i, "http-version", $"{Show(b)} in the HTTP version (\"HTTP/\" DIGIT \".\" DIGIT, RFC 9112 §2.3)");
                    }

                    break;

                case State.Cr:
                    if (b != '\n')
                    {
                        return Fail(i, "line-ending", $"a CR followed by {Show(b)}, not LF (RFC 9112 §2.2)");
                    }

                    _state = _afterCr;
                    if (_state == State.Body)
                    {
                        return EndHead(i);
                    }

                    if (_state == State.MessageEnd)
                    {
                        EndMessage();
                        if (Paused)
                        {
                            return i + 1;
                        }
                    }

                    break;

                case State.FieldStart:
                    if (b == '\r')
                    {
                        Expect(_inTrailer ? State.MessageEnd : State.Body);
                    }
                    else if (Token.Contains(b))
                    {
                        _name[0] = b;
                        _nameLength = 1;
                        _state = State.Name;
                    }
                    else
                    {
                        return b switch
                        {
                            (byte)' ' or (byte)'\t' => Fail(i, "obs-fold", $"a line that begins with whitespace{InTrailer} (obsolete line folding, RFC 9112 §5.2)"),
                            (byte)'\n' => Fail(i, "line-ending", $"a bare LF{InTrailer} (RFC 9112 §2.2)"),
                            _ => Fail(i, "field-name", $"{Show(b)} where a field name begins{InTrailer} (a token, RFC 9110 §5.1)"),
                        };
                    }

                    break;

                case State.Name:
                {
                    var run = bytes[i..].IndexOfAnyExcept(Token);
                    var end = run < 0 ? bytes.Length : i + run;
                    var kept = Math.Min(_nameLength, _name.Length);
                    bytes[i..end][..Math.Min(end - i, _name.Length - kept)].CopyTo(_name.AsSpan(kept));
                    _nameLength = (int)Math.Min((long)_nameLength + (end - i), int.MaxValue);
                    i = end;
                    if (i == bytes.Length)
                    {
                        return i;
                    }

                    b = bytes[i];
                    if (b != ':')
                    {
                        return Fail(i, "field-name", b is (byte)' ' or (byte)'\t'
                            ? $"whitespace between a field name and its colon{InTrailer} (RFC 9112 §5.1)"
                            : $"{Show(b)} in a field name{InTrailer} (a token, RFC 9110 §5.1)");
                    }

                    if (NameRead(i) is { } refused)
                    {
                        return refused;
                    }

                    _state = State.ValueStart;
                    break;
                }

                case State.ValueStart:
                    if (b is (byte)' ' or (byte)'\t')
                    {
                        break;
                    }

                    _state = _field == Field.ContentLength ? State.ContentLength : State.Value;
                    i--;
                    break;

                case State.Value:
                {
                    var run = bytes[i..].IndexOfAny(NotFieldText);
                    var end = run < 0 ? bytes.Length : i + run;
                    if (_field == Field.TransferEncoding && Codings(bytes[i..end]) is { } tooLong)
                    {
                        return Fail(i + tooLong, "transfer-encoding", $"a Transfer-Encoding longer than {MaxCodingsLength} bytes");
                    }

                    i = end;
                    if (i == bytes.Length)
                    {
                        return i;
                    }

                    b = bytes[i];
                    if (b != '\r')
                    {
                        return b == '\n'
                            ? Fail(i, "line-ending", $"a bare LF{InTrailer} (RFC 9112 §2.2)")
                            : Fail(i, "field-value", $"{Show(b)} in the value of {FieldName}{InTrailer} (RFC 9110 §5.5)");
                    }

                    if (_field == Field.TransferEncoding && Codings(","u8) is not null)
                    {
                        return Fail(i, "transfer-encoding", $"a Transfer-Encoding longer than {MaxCodingsLength} bytes");
                    }

                    Expect(State.FieldStart);
                    break;
                }

                case State.ContentLength:
                    if (char.IsAsciiDigit((char)b))
                    {
                        var value = ((_contentLength ?? 0) * 10) + (b - '0');
                        if (value > 999_999_999_999_999L)
                        {
                            return Fail(i, "content-length", "a Content-Length of more than 15 digits");
                        }

                        _contentLength = value;
                    }
                    else if (_contentLength is not null && b is (byte)' ' or (byte)'\t' or (byte)'\r')
                    {
                        _state = State.ContentLengthEnd;
                        i--;
                    }
                    else
                    {
                        return Fail(i, "content-length", $"{Show(b)} in Content-Length (1*DIGIT, RFC 9110 §8.6; a list of values is refused)");
                    }

                    break;

                case State.ContentLengthEnd:
                    if (b == '\r')
                    {
                        Expect(State.FieldStart);
                    }
                    else if (b is not ((byte)' ' or (byte)'\t'))
                    {
                        return Fail(i, "content-length", $"{Show(b)} after the Content-Length value (1*DIGIT, RFC 9110 §8.6; a list of values is refused)");
                    }

                    break;

                default:
                    // The request target, or the body: another part of the grammar reads it.
                    return i;
            }
        }

        return i;
    }

    private string InTrailer => _inTrailer ? " in the trailer section" : "";

    private string FieldName => _nameLength <= _name.Length ? Encoding.ASCII.GetString(_name, 0, _nameLength) : "a field";

    /// <summary>A CR was read: the LF must come next, then <paramref name="next"/>.</summary>
    private void Expect(State next)
    {
        _afterCr = next;
        _state = State.Cr;
    }

    private void BeginRequest(byte first)
    {
        _state = State.Method;
        _methodLength = 1;
        _connect = first == 'C';
        _http10 = false;
        _versionIndex = 0;
        _hasUpgrade = false;
        _hasConnection = false;
        _contentLength = null;
        _inTrailer = false;
        ResetFraming();
    }

    /// <summary>A request (and its body) ended; the scan pauses after one that may switch protocols.</summary>
    private void EndMessage()
    {
        Messages++;
        _state = State.Start;
        _inTrailer = false;
        Paused = _connect || (_hasUpgrade && _hasConnection);
    }

    private int Fail(int at, string rule, string detail, int status = 400)
    {
        Refusal = new HttpRefusal(rule, detail, status);
        _state = State.Failed;
        return at;
    }

    private static string Show(byte b) => b switch
    {
        (byte)'\r' => "CR",
        (byte)'\n' => "LF",
        (byte)' ' => "a space",
        (byte)'\t' => "a tab",
        < 0x20 or 0x7F => $"the control character 0x{b:X2}",
        >= 0x80 => $"the byte 0x{b:X2}",
        _ => $"'{(char)b}'",
    };
}

/// <summary>Why a request was refused: the rule's short name (a metric label), what broke it, and the status that answers it.</summary>
internal sealed record HttpRefusal(string Rule, string Detail, int Status = 400);
