using System.IO.MemoryMappedFiles;

namespace Gunicornet.Balance;

/// <summary>
/// A page of shared memory through which workers balance keep-alive connections among themselves
/// (DESIGN §2): on a shared socket the kernel hands connections to whichever worker happens to be
/// waiting in accept, which was measured to leave one of two workers with 91% of them. Each worker
/// owns one slot and writes its open connection count there; the master marks which slots belong
/// to serving workers. A worker above its fair share defers its next accept briefly.
/// </summary>
/// <remarks>
/// Layout: <see cref="Slots"/> 8-byte words of connection counts, then as many 8-byte words of
/// "active" flags, then one word: how many slots have ever been handed out (the master hands out the
/// lowest free one, so a worker scans only those). Every word has one writer (the worker for its
/// count, the master for the rest), and aligned 8-byte reads and writes are atomic, so no lock
/// crosses processes.
/// </remarks>
internal sealed class BalanceBoard : IDisposable
{
    /// <summary>How many workers one board can hold.</summary>
    public const int Slots = 1024;

    private const long HighWater = Slots * 8L * 2;
    private const int Size = Slots * 8 * 2 + 8;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;

    private BalanceBoard(MemoryMappedFile file)
    {
        _file = file;
        _view = file.CreateViewAccessor(0, Size, MemoryMappedFileAccess.ReadWrite);
    }

    /// <summary>Creates the board's file (the master); it is private to the master's user.</summary>
    public static BalanceBoard Create(string path)
    {
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            stream.SetLength(Size);
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return Open(path);
    }

    /// <summary>Maps an existing board (a worker).</summary>
    public static BalanceBoard Open(string path) =>
        new(MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, Size, MemoryMappedFileAccess.ReadWrite));

    /// <summary>Publishes a worker's open connections.</summary>
    public void SetConnections(int slot, long count) => _view.Write(slot * 8L, count);

    /// <summary>Marks a slot as a serving worker's (or not).</summary>
    public void SetActive(int slot, bool active) => _view.Write((Slots + slot) * 8L, active ? 1L : 0L);

    /// <summary>Records that slots below <paramref name="count"/> may be in use, so that workers scan no further.</summary>
    public void SetSlotsInUse(int count) => _view.Write(HighWater, (long)Math.Min(count, Slots));

    /// <summary>Clears a slot whose worker is gone.</summary>
    public void Clear(int slot)
    {
        SetActive(slot, false);
        SetConnections(slot, 0);
    }

    /// <summary>
    /// True when <paramref name="slot"/> is active and holds more than its fair share of the
    /// connections of all active slots (rounded up) by more than a quarter of that share, and at
    /// least by 2. The margin keeps short connections (whose counts swing all the time) from
    /// deferring accepts, while a keep-alive pool still ends within a quarter of even.
    /// </summary>
    public bool IsOverShare(int slot)
    {
        if (_view.ReadInt64((Slots + slot) * 8L) == 0)
        {
            return false;
        }

        long total = 0, active = 0;
        var inUse = _view.ReadInt64(HighWater);
        for (var i = 0; i < inUse; i++)
        {
            if (_view.ReadInt64((Slots + i) * 8L) != 0)
            {
                active++;
                total += _view.ReadInt64(i * 8L);
            }
        }

        if (active <= 1)
        {
            return false;
        }

        var fair = (total + active - 1) / active;
        return _view.ReadInt64(slot * 8L) > fair + Math.Max(1, fair / 4);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
