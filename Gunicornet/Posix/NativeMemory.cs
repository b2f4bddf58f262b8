using System.Runtime.InteropServices;

namespace Gunicornet.Posix;

/// <summary>The C library's allocator, which the runtime itself (its compiler, its threads) allocates from.</summary>
internal static partial class NativeMemory
{
    /// <summary>
    /// Gives the free pages of every malloc arena back to the system (<c>malloc_trim(0)</c>). Each thread
    /// that allocates may get an arena of its own, and a freed block inside one keeps its pages resident
    /// until trimmed. Does nothing where the C library has no such call.
    /// </summary>
    public static void Trim()
    {
        try
        {
            malloc_trim(0);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back this way.
        }
    }

    [LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);
}
