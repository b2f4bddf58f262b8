using Gunicornet.Balance;

namespace Gunicornet.Master;

/// <summary>The master's side of the <see cref="BalanceBoard"/>: which worker owns which slot, and which are serving.</summary>
internal sealed class BalanceSlots(BalanceBoard board, string path)
{
    private readonly Dictionary<int, int> _slotByAge = [];
    private readonly SortedSet<int> _free = new(Enumerable.Range(0, BalanceBoard.Slots));
    private int _highWater;

    /// <summary>The board's file, for the workers.</summary>
    public string Path => path;

    /// <summary>The slot of the worker of <paramref name="age"/>, taken when it is spawned; -1 when the board is full.</summary>
    public int SlotFor(int age)
    {
        if (_slotByAge.TryGetValue(age, out var slot))
        {
            return slot;
        }

        if (_free.Count == 0)
        {
            return -1;
        }

        slot = _free.Min;
        _free.Remove(slot);
        board.Clear(slot);
        _slotByAge[age] = slot;
        if (slot >= _highWater)
        {
            _highWater = slot + 1;
            board.SetSlotsInUse(_highWater);
        }

        return slot;
    }

    /// <summary>After each turn of the arbiter: serving workers are active; slots of workers gone are freed.</summary>
    public void Update(IReadOnlyList<WorkerHandle> workers)
    {
        var alive = new HashSet<int>();
        foreach (var worker in workers)
        {
            alive.Add(worker.Age);
            if (_slotByAge.TryGetValue(worker.Age, out var slot))
            {
                board.SetActive(slot, worker.State == WorkerState.Ready);
            }
        }

        foreach (var (age, slot) in _slotByAge.Where(p => !alive.Contains(p.Key)).ToList())
        {
            board.Clear(slot);
            _slotByAge.Remove(age);
            _free.Add(slot);
        }
    }
}
