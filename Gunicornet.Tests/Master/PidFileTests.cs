using Gunicornet.Master;

namespace Gunicornet.Tests.Master;

/// <summary>The pidfile: written, refused over a live process, replaced when stale, removed at exit.</summary>
[TestFixture]
public sealed class PidFileTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("gunicornet-pid").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void WritesThePid_AndRemovesTheFileOnDispose()
    {
        var path = Path.Combine(_dir, "g.pid");
        using (PidFile.Create(path, 4242))
        {
            Assert.That(File.ReadAllText(path), Is.EqualTo("4242\n"));
        }

        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void APidfileNamingALiveProcess_StopsTheStart()
    {
        var path = Path.Combine(_dir, "g.pid");
        File.WriteAllText(path, $"{Environment.ProcessId}\n");

        var error = Assert.Throws<InvalidOperationException>(() => PidFile.Create(path, 4242));

        Assert.That(error!.Message, Does.Contain($"Already running on PID {Environment.ProcessId}"));
        Assert.That(File.ReadAllText(path), Is.EqualTo($"{Environment.ProcessId}\n"), "left as it was");
    }

    [TestCase("999999999\n")]
    [TestCase("garbage")]
    [TestCase("")]
    public void AStalePidfile_IsReplaced(string content)
    {
        var path = Path.Combine(_dir, "g.pid");
        File.WriteAllText(path, content);

        using var pidFile = PidFile.Create(path, 4242);

        Assert.That(File.ReadAllText(path), Is.EqualTo("4242\n"));
    }

    [Test]
    public void APidfileRewrittenByAnotherMaster_IsLeftAlone()
    {
        var path = Path.Combine(_dir, "g.pid");
        var pidFile = PidFile.Create(path, 4242);
        File.WriteAllText(path, "4343\n");

        pidFile.Dispose();

        Assert.That(File.ReadAllText(path), Is.EqualTo("4343\n"));
    }

    [Test]
    public void TheFileIs0644_WhateverTheUmask_AndNoTemporaryFileIsLeft()
    {
        var path = Path.Combine(_dir, "g.pid");

        using var pidFile = PidFile.Create(path, 4242);

        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void ASymlinkPlantedBesideIt_IsNeverWrittenThrough()
    {
        var path = Path.Combine(_dir, "g.pid");
        var target = Path.Combine(_dir, "precious");
        File.WriteAllText(target, "keep");
        File.CreateSymbolicLink(path, target);

        using var pidFile = PidFile.Create(path, 4242);

        Assert.That(File.ReadAllText(target), Is.EqualTo("keep"), "the link's target is untouched");
        Assert.That(new FileInfo(path).LinkTarget, Is.Null, "the pidfile replaced the link");
        Assert.That(File.ReadAllText(path), Is.EqualTo("4242\n"));
    }

    [Test]
    public void AnUnwritablePlace_IsAOneLineError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PidFile.Create(Path.Combine(_dir, "missing", "g.pid"), 1));

        Assert.That(error!.Message, Does.StartWith("Can't write pid file"));
    }
}
