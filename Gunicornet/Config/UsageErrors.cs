using System.Text.RegularExpressions;

namespace Gunicornet.Config;

/// <summary>
/// The parser's errors in Gunicornet's one style: what, where, and what is allowed. An unknown option
/// names the closest known one and points at --help; a bad value says what the option takes.
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>Every flag of every setting, for suggestions.</summary>
    private static readonly string[] KnownFlags = [.. Settings.All.SelectMany(s => s.Flags).Where(f => f.StartsWith("--", StringComparison.Ordinal)), "--help", "--version"];

    /// <summary>One error as the user reads it (without the "gunicornet: error: " it is printed after).</summary>
    public static string Describe(string error)
    {
        if (UnknownRegex().Match(error) is { Success: true } unknown)
        {
            var typed = unknown.Groups[1].Value;
            return typed.StartsWith('-')
                ? $"unknown option '{typed}'{Suggestions.DidYouMean(typed, KnownFlags)} (see gunicornet --help)"
                : $"unexpected argument '{typed}': APP is given once, after the options (see gunicornet --help)";
        }

        if (MissingValueRegex().Match(error) is { Success: true } missing)
        {
            return $"{missing.Groups[1].Value} needs a value (see gunicornet --help)";
        }

        return error.TrimEnd('.');
    }

    [GeneratedRegex(@"^Unrecognized (?:option|command or argument) '([^']*)'\.?$")]
    private static partial Regex UnknownRegex();

    [GeneratedRegex(@"^Required argument missing for option: '([^']*)'\.?$")]
    private static partial Regex MissingValueRegex();
}
