namespace Gunicornet.Worker;

/// <summary>A request's body: bytes counted by Content-Length, or the chunked framing of RFC 9112 §7.1.</summary>
internal sealed partial class HttpGrammar
{
    private long _remaining;
    private int _sizeDigits;

    private int ScanBody(ReadOnlySpan<byte> bytes, int i)
    {
        for (; i < bytes.Length; i++)
        {
            var b = bytes[i];
            switch (_state)
            {
                case State.Body:
                case State.ChunkData:
                {
                    var take = (int)Math.Min(_remaining, bytes.Length - i);
                    _remaining -= take;
                    i += take;
                    if (_remaining == 0)
                    {
                        if (_state == State.Body)
                        {
                            EndMessage();
                        }
                        else
                        {
                            _state = State.ChunkDataCr;
                        }
                    }

                    return i;
                }

                case State.ChunkSizeStart:
                    if (!Hex.Contains(b))
                    {
                        return Fail(i, "chunk-size", $"{Show(b)} where a chunk size begins (1*HEXDIG, RFC 9112 §7.1)");
                    }

                    _remaining = 0;
                    _sizeDigits = 0;
                    _state = State.ChunkSize;
                    i--;
                    break;

                case State.ChunkSize:
                    if (Hex.Contains(b))
                    {
                        // Leading zeros do not count towards the size's length.
                        if (_remaining == 0 && b == '0')
                        {
                            break;
                        }

                        if (++_sizeDigits > 15)
                        {
                            return Fail(i, "chunk-size", "a chunk size of more than 15 hex digits");
                        }

                        _remaining = (_remaining << 4) | (long)HexValue(b);
                    }
                    else if (!ExtensionGoesOn(b, State.ExtSpace, equalsAllowed: false))
                    {
                        return Fail(i, "chunk-size", $"{Show(b)} after a chunk size (RFC 9112 §7.1)");
                    }

                    break;

                case State.ExtSpace:
                    // BWS ";" (RFC 9112 §7.1.1): whitespace only before a semicolon.
                    if (b == ';')
                    {
                        _state = State.ExtNameStart;
                    }
                    else if (b is not ((byte)' ' or (byte)'\t'))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} after whitespace in a chunk line (only \";\" may follow, RFC 9112 §7.1.1)");
                    }

                    break;

                case State.ExtNameStart:
                    if (Token.Contains(b))
                    {
                        _state = State.ExtName;
                    }
                    else if (b is not ((byte)' ' or (byte)'\t'))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} where a chunk extension's name begins (a token, RFC 9112 §7.1.1)");
                    }

                    break;

                case State.ExtName:
                    if (!Token.Contains(b) && !ExtensionGoesOn(b, State.ExtAfterName, equalsAllowed: true))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} in a chunk extension's name (a token, RFC 9112 §7.1.1)");
                    }

                    break;

                case State.ExtAfterName:
                    if (b == '=')
                    {
                        _state = State.ExtValueStart;
                    }
                    else if (b == ';')
                    {
                        _state = State.ExtNameStart;
                    }
                    else if (b is not ((byte)' ' or (byte)'\t'))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} after a chunk extension's name (\"=\", \";\" or the line's end, RFC 9112 §7.1.1)");
                    }

                    break;

                case State.ExtValueStart:
                    if (b == '"')
                    {
                        _state = State.Quoted;
                    }
                    else if (Token.Contains(b))
                    {
                        _state = State.ExtToken;
                    }
                    else if (b is not ((byte)' ' or (byte)'\t'))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} where a chunk extension's value begins (token or quoted-string, RFC 9112 §7.1.1)");
                    }

                    break;

                case State.ExtToken:
                    if (!Token.Contains(b) && !ExtensionGoesOn(b, State.ExtSpace, equalsAllowed: false))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} in a chunk extension's value (token or quoted-string, RFC 9112 §7.1.1)");
                    }

                    break;

                case State.ExtAfterValue:
                    if (!ExtensionGoesOn(b, State.ExtSpace, equalsAllowed: false))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} after a quoted chunk extension value (RFC 9112 §7.1.1)");
                    }

                    break;

                case State.Quoted:
                    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4).
                    if (b == '"')
                    {
                        _state = State.ExtAfterValue;
                    }
                    else if (b == '\\')
                    {
                        _state = State.QuotedPair;
                    }
                    else if (!FieldText.Contains(b))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} in a quoted chunk extension value (RFC 9110 §5.6.4)");
                    }

                    break;

                case State.QuotedPair:
                    if (!FieldText.Contains(b))
                    {
                        return Fail(i, "chunk-ext", $"{Show(b)} after a backslash in a quoted chunk extension value (RFC 9110 §5.6.4)");
                    }

                    _state = State.Quoted;
                    break;

                case State.ChunkDataCr:
                    if (b != '\r')
                    {
                        return Fail(i, "chunk-data", $"{Show(b)} after a chunk's data, where CRLF must be (RFC 9112 §7.1)");
                    }

                    Expect(State.ChunkSizeStart);
                    break;

                default:
                    // A line end, or a trailer's field lines: the head's part reads them.
                    return i;
            }
        }

        return i;
    }

    /// <summary>
    /// In a chunk line after a size, a name or a value: whitespace (to <paramref name="afterSpace"/>),
    /// ";", "=" where a value may follow, or the CR that ends the line (its LF is the head's part to
    /// read); false for any other byte.
    /// </summary>
    private bool ExtensionGoesOn(byte b, State afterSpace, bool equalsAllowed)
    {
        switch (b)
        {
            case (byte)';':
                _state = State.ExtNameStart;
                return true;
            case (byte)'=' when equalsAllowed:
                _state = State.ExtValueStart;
                return true;
            case (byte)' ' or (byte)'\t':
                _state = afterSpace;
                return true;
            case (byte)'\r':
                // After the last chunk (size 0) comes the trailer section.
                _inTrailer = _remaining == 0;
                Expect(_inTrailer ? State.FieldStart : State.ChunkData);
                return true;
            default:
                return false;
        }
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
