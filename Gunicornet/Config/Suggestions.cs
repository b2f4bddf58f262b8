namespace Gunicornet.Config;

/// <summary>The known name closest to a mistyped one, for an error to suggest.</summary>
internal static class Suggestions
{
    /// <summary><c>; did you mean 'X'?</c> for the closest of <paramref name="known"/>, or nothing when none is close.</summary>
    public static string DidYouMean(string typed, IEnumerable<string> known)
    {
        var best = known
            .Select(k => (Name: k, Distance: Distance(typed, k)))
            .Where(k => k.Distance <= Math.Max(2, typed.Length / 4))
            .OrderBy(k => k.Distance)
            .ThenBy(k => k.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is null ? "" : $"; did you mean '{best.Name}'?";
    }

    /// <summary>The Levenshtein distance: the fewest edits of one character that turn one into the other.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
