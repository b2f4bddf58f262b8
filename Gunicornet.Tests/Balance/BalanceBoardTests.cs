using Gunicornet.Balance;
using Gunicornet.Master;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Balance;

/// <summary>The shared board through which workers balance their connections.</summary>
[TestFixture]
public sealed class BalanceBoardTests
{
    private TempDirectory _temp = null!;
    private BalanceBoard _master = null!;
    private BalanceBoard _worker = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory("gunicornet-board");
        _master = BalanceBoard.Create(_temp.File("balance"));
        _worker = BalanceBoard.Open(_temp.File("balance"));

        // The master says how many slots it has handed out (lowest first); these tests use 0 to 3.
        _master.SetSlotsInUse(4);
    }

    [TearDown]
    public void TearDown()
    {
        _worker.Dispose();
        _master.Dispose();
        _temp.Dispose();
    }

    [Test]
    public void AWorkerAboveItsFairShare_IsOverShare_OneAtOrBelowIsNot()
    {
        _master.SetActive(0, true);
        _master.SetActive(1, true);
        _worker.SetConnections(0, 41);
        _worker.SetConnections(1, 23);

        Assert.That(_worker.IsOverShare(0), Is.True, "41 of 64 is more than a quarter above 32");
        Assert.That(_worker.IsOverShare(1), Is.False);

        _worker.SetConnections(0, 40);
        _worker.SetConnections(1, 24);
        Assert.That(_worker.IsOverShare(0), Is.False, "within a quarter of the fair share");
    }

    [Test]
    public void SlotsAboveTheOnesHandedOut_AreNotScanned()
    {
        _master.SetActive(0, true);
        _master.SetActive(1, true);
        _master.SetActive(9, true);
        _worker.SetConnections(0, 5);
        _worker.SetConnections(1, 1);
        _worker.SetConnections(9, 100);

        Assert.That(_worker.IsOverShare(0), Is.True, "slot 9 was never handed out: 5 of 6 is above the share of 3");
        _master.SetSlotsInUse(10);
        Assert.That(_worker.IsOverShare(0), Is.False, "counted now: 5 of 106 is below the share of 36");
    }

    [Test]
    public void ASingleWorker_IsNeverOverShare()
    {
        _master.SetActive(3, true);
        _worker.SetConnections(3, 1000);

        Assert.That(_worker.IsOverShare(3), Is.False);
    }

    [Test]
    public void InactiveSlots_DoNotCount_AndAnInactiveWorkerNeverDefers()
    {
        _master.SetActive(0, true);
        _master.SetActive(1, true);
        _worker.SetConnections(0, 10);
        _worker.SetConnections(1, 0);
        _worker.SetConnections(2, 500);

        Assert.That(_worker.IsOverShare(0), Is.True, "slot 2 is a draining worker's: 10 of 10 is above 5");
        Assert.That(_worker.IsOverShare(2), Is.False, "a draining worker does not accept anyway");
    }

    [Test]
    public void ABurstOfFourOnOneWorker_IsOverShare_WhileAnotherHasNone_ButThreeIsNot()
    {
        _master.SetActive(0, true);
        _master.SetActive(1, true);
        _worker.SetConnections(0, 4);
        Assert.That(_worker.IsOverShare(0), Is.True, "4 of 4: the share is 2, the margin 1");

        _worker.SetConnections(0, 3);
        Assert.That(_worker.IsOverShare(0), Is.False, "3 of 3: short connections swing this much all the time");
    }

    [Test]
    public void Slots_AreDistinct_ActiveOnlyWhenReady_AndFreedWhenTheWorkerIsGone()
    {
        var slots = new BalanceSlots(_master, _temp.File("balance"));
        var a = new WorkerHandle(1, 1, DateTimeOffset.UnixEpoch, _ => { }) { State = WorkerState.Ready };
        var b = new WorkerHandle(2, 1, DateTimeOffset.UnixEpoch, _ => { });
        var slotA = slots.SlotFor(1);
        var slotB = slots.SlotFor(2);
        Assert.That(slotA, Is.Not.EqualTo(slotB));
        Assert.That(slots.SlotFor(1), Is.EqualTo(slotA), "a worker keeps its slot");

        slots.Update([a, b]);
        _worker.SetConnections(slotA, 5);
        b.State = WorkerState.Ready;
        slots.Update([a, b]);
        Assert.That(_worker.IsOverShare(slotA), Is.True, "both active: 5 of 5 is above 3");

        slots.Update([b]);
        Assert.That(slots.SlotFor(3), Is.EqualTo(slotA), "a's slot is free again");
        Assert.That(_worker.IsOverShare(slotB), Is.False);
    }
}
