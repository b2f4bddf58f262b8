using System.Text;

namespace Gunicornet.Posix;

/// <summary>
/// The process's name as <c>ps -e</c>, <c>top</c> and <c>pgrep</c> show it (<c>--name</c>): Linux keeps
/// 15 bytes of it in <c>/proc/self/comm</c>, which names the whole process whichever thread writes it.
/// </summary>
internal static class ProcessName
{
    /// <summary>The most bytes Linux keeps.</summary>
    public const int MaxBytes = 15;

    /// <summary>Sets the name, cut to <see cref="MaxBytes"/> bytes on a character boundary; null leaves it.</summary>
    public static void Set(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        try
        {
            File.WriteAllBytes("/proc/self/comm", Cut(name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not on Linux, or /proc is not mounted: the name stays; nothing else depends on it.
        }
    }

    /// <summary>The UTF-8 bytes of <paramref name="name"/>, at most <see cref="MaxBytes"/>, never splitting a character.</summary>
    public static byte[] Cut(string name)
    {
        var length = 0;
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > MaxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }

        return Encoding.UTF8.GetBytes(name[..length]);
    }
}
