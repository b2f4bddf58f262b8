using System.Text;

namespace Gunicornet.Config;

/// <summary>Splits a string into words as a POSIX shell would (Python's shlex.split): quotes and backslashes.</summary>
internal static class ShellWords
{
    /// <summary>The words of <paramref name="text"/>; throws <see cref="FormatException"/> on an unclosed quote.</summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
            }
            else if (c is '\'' or '"')
            {
                var close = text.IndexOf(c, i + 1);
                while (c == '"' && close > 0 && text[close - 1] == '\\')
                {
                    close = text.IndexOf(c, close + 1);
                }

                if (close < 0)
                {
                    throw new FormatException($"unclosed {c} quote");
                }

                var quoted = text[(i + 1)..close];
                word.Append(c == '"' ? quoted.Replace("\\\"", "\"", StringComparison.Ordinal) : quoted);
                i = close;
            }
            else
            {
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
