using System.IO.Pipelines;
using System.Reflection;
using System.Text.Json;
using Gunicornet.Worker;
using Microsoft.AspNetCore.Http;

namespace Gunicornet.Tests.Worker;

/// <summary>The access log's byte counter forwards every member of what it wraps, and counts exactly.</summary>
[TestFixture]
public sealed class CountingResponseBodyTests
{
    /// <summary>Members the base class implements on the writer's own (counted) members.</summary>
    private static readonly string[] BuiltOnOwnMembers = ["AsStream", "CopyFromAsync"];

    [Test]
    public void TheWriter_OverridesEveryMemberOfPipeWriter()
    {
        var counting = new CountingResponseBody(new StreamResponseBodyFeature(new MemoryStream()));
        Assert.That(Inherited(counting.Writer.GetType(), typeof(PipeWriter)).Except(BuiltOnOwnMembers), Is.Empty);
    }

    [Test]
    public void TheStream_OverridesEveryMemberOfStream()
    {
        var counting = new CountingResponseBody(new StreamResponseBodyFeature(new MemoryStream()));
        Assert.That(Inherited(counting.Stream.GetType(), typeof(Stream)), Is.Empty);
    }

    [Test]
    public async Task JsonThroughTheWriter_IsWrittenWhole_AndCountedExactly()
    {
        var sink = new MemoryStream();
        var counting = new CountingResponseBody(new StreamResponseBodyFeature(sink));
        var records = Enumerable.Range(0, 5000).Select(i => new { Id = i, Name = "record " + i }).ToArray();

        Assert.That(counting.Writer.CanGetUnflushedBytes, Is.True, "System.Text.Json's pipe path needs UnflushedBytes");
        await JsonSerializer.SerializeAsync(counting.Writer, records);
        await counting.Writer.FlushAsync();

        Assert.That(sink.ToArray(), Is.EqualTo(JsonSerializer.SerializeToUtf8Bytes(records)));
        Assert.That(counting.Bytes, Is.EqualTo(sink.Length));
    }

    [Test]
    public async Task EveryWayOfWriting_IsCountedOnce()
    {
        var sink = new MemoryStream();
        var counting = new CountingResponseBody(new StreamResponseBodyFeature(sink));

        counting.Writer.GetSpan(3)[..3].Fill((byte)'a');
        counting.Writer.Advance(3);
        await counting.Writer.WriteAsync(new byte[5]);
        await counting.Writer.AsStream(leaveOpen: true).WriteAsync(new byte[7]);
        await new MemoryStream(new byte[11]).CopyToAsync(counting.Writer);
        await counting.Writer.FlushAsync();
        await counting.Stream.WriteAsync(new byte[13]);
        await counting.Stream.WriteAsync(new byte[17], 0, 17);
        await Task.Factory.FromAsync(counting.Stream.BeginWrite, counting.Stream.EndWrite, new byte[19], 0, 19, null);

        Assert.That(counting.Bytes, Is.EqualTo(3 + 5 + 7 + 11 + 13 + 17 + 19));
        Assert.That(sink.Length, Is.EqualTo(counting.Bytes));
    }

    [Test]
    public async Task SendFile_CountsTheRangeSent()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, new byte[1000]);
            var counting = new CountingResponseBody(new StreamResponseBodyFeature(new MemoryStream()));
            await counting.SendFileAsync(file, 100, 250);
            await counting.SendFileAsync(file, 900, null);
            Assert.That(counting.Bytes, Is.EqualTo(250 + 100));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void AWriteTheServerRefuses_IsNotCounted()
    {
        var counting = new CountingResponseBody(new StreamResponseBodyFeature(new NoWrites()));
        Assert.That(() => counting.Stream.Write(new byte[10]), Throws.InstanceOf<InvalidOperationException>());
        Assert.That(counting.Bytes, Is.Zero);
    }

    /// <summary>The overridable members of <paramref name="baseType"/> that <paramref name="type"/> leaves to it (obsolete ones aside: nothing calls them).</summary>
    private static IEnumerable<string> Inherited(Type type, Type baseType)
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var overridable = baseType.GetMethods(all)
            .Where(m => m.IsVirtual && !m.IsFinal && m.DeclaringType != typeof(object) && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly))
            .Where(m => !m.IsDefined(typeof(ObsoleteAttribute)))
            .ToList();
        var overridden = type.GetMethods(all)
            .Where(m => m.DeclaringType == type)
            .Select(m => m.GetBaseDefinition())
            .ToHashSet();
        return overridable.Where(m => !overridden.Contains(m.GetBaseDefinition()))
            .Select(m => m.Name.Replace("get_", "", StringComparison.Ordinal).Replace("set_", "", StringComparison.Ordinal))
            .Distinct();
    }

    /// <summary>A stream that refuses every write, as Kestrel refuses a body on a 204.</summary>
    private sealed class NoWrites : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("no body here");

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("no body here");
    }
}
