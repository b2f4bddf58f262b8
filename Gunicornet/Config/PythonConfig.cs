using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gunicornet.Config;

/// <summary>
/// The plain assignments of a typical <c>gunicorn.conf.py</c>, so that an existing gunicorn config
/// carries over: <c>name = value</c> lines whose value is a string, a number, <c>True</c>/<c>False</c>,
/// <c>None</c> (the default), a list or tuple of those, or a dict of strings, with comments and blank
/// lines. A server hook (<c>def on_starting(server): ...</c>) is read as the setting it defines, whose
/// body is never run, and an <c>import</c> line is passed over (it sets nothing). Anything else
/// (expressions, other statements) is Python that Gunicornet does not run: an error names its line.
/// </summary>
internal static partial class PythonConfig
{
    /// <summary>One assignment: the setting's name, its value as JSON (null for <c>None</c>), and its line; a server hook's <c>def</c> has <paramref name="Hook"/> true.</summary>
    public sealed record Assignment(string Name, JsonElement? Value, int Line, bool Hook = false);

    /// <summary>Reads the assignments of <paramref name="text"/>; on failure, <paramref name="error"/> names the line.</summary>
    public static List<Assignment>? Parse(string text, out string? error)
    {
        error = null;
        var assignments = new List<Assignment>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var first = i + 1;
            var statement = StripComment(lines[i]).Trim();

            // A list may go on over several lines, as long as its brackets are open.
            while (Depth(statement) > 0 && i + 1 < lines.Length)
            {
                statement += " " + StripComment(lines[++i]).Trim();
            }

            if (statement.Length == 0 || ImportLine().IsMatch(statement) || statement.StartsWith('@'))
            {
                continue;
            }

            if (DefLine().Match(statement) is { Success: true } def)
            {
                // The hook's body: every indented (or blank) line after it.
                while (i + 1 < lines.Length && (StripComment(lines[i + 1]).Trim().Length == 0 || lines[i + 1].StartsWith(' ') || lines[i + 1].StartsWith('\t')))
                {
                    i++;
                }

                assignments.Add(new Assignment(def.Groups[1].Value, null, first, Hook: true));
                continue;
            }

            var match = AssignmentLine().Match(statement);
            if (!match.Success)
            {
                error = $"line {first}: only 'name = value' assignments are read, not: {Shorten(statement)}";
                return null;
            }

            var name = match.Groups[1].Value;
            var reader = new ValueReader(match.Groups[2].Value);
            if (!reader.TryRead(out var json) || !reader.AtEnd)
            {
                error = $"line {first}: {name}: the value must be a string, a number, True, False, None, a list of them or a dict, not: {Shorten(match.Groups[2].Value)}";
                return null;
            }

            assignments.Add(new Assignment(name, json is null ? null : JsonDocument.Parse(json).RootElement.Clone(), first));
        }

        return assignments;
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..57] + "..." : text;

    /// <summary>The line without its comment (a # outside a string).</summary>
    private static string StripComment(string line)
    {
        foreach (var i in OutsideStrings(line))
        {
            if (line[i] == '#')
            {
                return line[..i];
            }
        }

        return line;
    }

    /// <summary>How many brackets are open at the end of <paramref name="text"/> (outside strings).</summary>
    private static int Depth(string text) =>
        OutsideStrings(text).Sum(i => text[i] is '[' or '(' or '{' ? 1 : text[i] is ']' or ')' or '}' ? -1 : 0);

    /// <summary>The positions of <paramref name="text"/> that are code, not inside a quoted string.</summary>
    private static IEnumerable<int> OutsideStrings(string text)
    {
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else
            {
                yield return i;
            }
        }
    }

    [GeneratedRegex(@"^(?:import\s+\S|from\s+\S+\s+import\s)")]
    private static partial Regex ImportLine();

    [GeneratedRegex(@"^def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(")]
    private static partial Regex DefLine();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$")]
    private static partial Regex AssignmentLine();

    /// <summary>Reads one Python literal and writes it as JSON (null text for None).</summary>
    private ref struct ValueReader(string text)
    {
        private int _at;

        public readonly bool AtEnd => text.AsSpan(_at).Trim().IsEmpty;

        public bool TryRead(out string? json)
        {
            SkipSpace();
            if (Word("None"))
            {
                json = null;
                return true;
            }

            var builder = new StringBuilder();
            var ok = TryValue(builder);
            json = builder.ToString();
            return ok;
        }

        private bool TryValue(StringBuilder json)
        {
            SkipSpace();
            if (_at >= text.Length)
            {
                return false;
            }

            var c = text[_at];
            if (c is '[' or '(')
            {
                return TryList(json, c == '[' ? ']' : ')');
            }

            if (c is '"' or '\'')
            {
                return TryString(json);
            }

            if (c == '{')
            {
                return TryDict(json);
            }

            if (Word("True"))
            {
                json.Append("true");
                return true;
            }

            if (Word("False"))
            {
                json.Append("false");
                return true;
            }

            var prefixed = PrefixedIntegerToken().Match(text, _at);
            if (prefixed.Success && prefixed.Index == _at)
            {
                _at += prefixed.Length;
                var digits = prefixed.Groups[2].Value.Replace("_", "", StringComparison.Ordinal);
                var radix = char.ToLowerInvariant(prefixed.Groups[1].Value[1]) switch { 'o' => 8, 'x' => 16, _ => 2 };
                json.Append(Convert.ToInt64(digits, radix).ToString(CultureInfo.InvariantCulture));
                return true;
            }

            var number = NumberToken().Match(text, _at);
            if (number.Success && number.Index == _at && double.TryParse(number.Value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                _at += number.Length;
                json.Append(value.ToString("R", CultureInfo.InvariantCulture));
                return true;
            }

            return false;
        }

        private bool TryList(StringBuilder json, char close)
        {
            _at++;
            var items = new List<string>();
            var comma = false;
            while (true)
            {
                SkipSpace();
                if (_at < text.Length && text[_at] == close)
                {
                    _at++;

                    // (x) is x itself in Python; (x,) and [x] are sequences.
                    json.Append(close == ')' && items.Count == 1 && !comma ? items[0] : "[" + string.Join(',', items) + "]");
                    return true;
                }

                var item = new StringBuilder();
                if (!TryValue(item))
                {
                    return false;
                }

                items.Add(item.ToString());
                SkipSpace();
                if (_at < text.Length && text[_at] == ',')
                {
                    comma = true;
                    _at++;
                }
                else if (_at >= text.Length || text[_at] != close)
                {
                    return false;
                }
            }
        }

        /// <summary>A dict of string keys (gunicorn's secure_scheme_headers), as a JSON object.</summary>
        private bool TryDict(StringBuilder json)
        {
            _at++;
            var items = new List<string>();
            while (true)
            {
                SkipSpace();
                if (_at < text.Length && text[_at] == '}')
                {
                    _at++;
                    json.Append('{').Append(string.Join(',', items)).Append('}');
                    return true;
                }

                var key = new StringBuilder();
                if (_at >= text.Length || text[_at] is not ('"' or '\'') || !TryString(key))
                {
                    return false;
                }

                SkipSpace();
                if (_at >= text.Length || text[_at] != ':')
                {
                    return false;
                }

                _at++;
                var value = new StringBuilder();
                if (!TryValue(value))
                {
                    return false;
                }

                items.Add(key + ":" + value);
                SkipSpace();
                if (_at < text.Length && text[_at] == ',')
                {
                    _at++;
                }
                else if (_at >= text.Length || text[_at] != '}')
                {
                    return false;
                }
            }
        }

        private bool TryString(StringBuilder json)
        {
            var quote = text[_at++];
            var value = new StringBuilder();
            while (_at < text.Length && text[_at] != quote)
            {
                var c = text[_at++];
                if (c == '\\' && _at < text.Length)
                {
                    var escaped = text[_at++];
                    value.Append(escaped switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        _ => escaped,
                    });
                }
                else
                {
                    value.Append(c);
                }
            }

            if (_at >= text.Length)
            {
                return false;
            }

            _at++;
            json.Append(JsonSerializer.Serialize(value.ToString()));
            return true;
        }

        private bool Word(string word)
        {
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) == 0
                && (_at + word.Length == text.Length || !char.IsLetterOrDigit(text[_at + word.Length])))
            {
                _at += word.Length;
                return true;
            }

            return false;
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }
    }

    [GeneratedRegex(@"[+-]?[0-9][0-9_]*(\.[0-9]+)?([eE][+-]?[0-9]+)?")]
    private static partial Regex NumberToken();

    /// <summary>0o22, 0x1F, 0b101: Python's integer literals with a base (umask = 0o22).</summary>
    [GeneratedRegex(@"(0[oOxXbB])([0-9a-fA-F_]+)")]
    private static partial Regex PrefixedIntegerToken();
}
