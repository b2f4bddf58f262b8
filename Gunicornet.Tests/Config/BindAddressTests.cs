using Gunicornet.Config;

namespace Gunicornet.Tests.Config;

/// <summary>gunicorn's --bind syntax.</summary>
[TestFixture]
public sealed class BindAddressTests
{
    [TestCase("127.0.0.1:5000", "127.0.0.1", 5000)]
    [TestCase("0.0.0.0:5000", "0.0.0.0", 5000)]
    [TestCase("localhost", "localhost", 8000)]
    [TestCase(":5001", "0.0.0.0", 5001)]
    [TestCase("[::1]:5002", "::1", 5002)]
    [TestCase("[::]", "::", 8000)]
    [TestCase("tcp://10.0.0.1:80", "10.0.0.1", 80)]
    [TestCase("127.0.0.1:0", "127.0.0.1", 0)]
    public void ParsesTcpAddresses(string text, string host, int port)
    {
        Assert.That(BindAddress.TryParse(text, out var address, out var error), Is.True, error);
        Assert.That(address, Is.EqualTo(new BindAddress(BindKind.Tcp, host, port, null, -1)));
    }

    [TestCase("unix:/tmp/app.sock", "/tmp/app.sock")]
    [TestCase("unix:///run/app.sock", "/run/app.sock")]
    [TestCase("unix:relative.sock", "relative.sock")]
    public void ParsesUnixSockets(string text, string path)
    {
        Assert.That(BindAddress.TryParse(text, out var address, out var error), Is.True, error);
        Assert.That(address!.Kind, Is.EqualTo(BindKind.Unix));
        Assert.That(address.Path, Is.EqualTo(path));
    }

    [Test]
    public void ParsesFileDescriptors()
    {
        Assert.That(BindAddress.TryParse("fd://3", out var address, out _), Is.True);
        Assert.That(address!.Kind, Is.EqualTo(BindKind.Fd));
        Assert.That(address.Fd, Is.EqualTo(3));
    }

    [TestCase("127.0.0.1:http", "not a port number")]
    [TestCase("127.0.0.1:70000", "not a port number")]
    [TestCase("127.0.0.1:-1", "not a port number")]
    [TestCase("::1:5000", "brackets")]
    [TestCase("[::1", "no closing ']'")]
    [TestCase("[::1]5000", "':PORT'")]
    [TestCase("[127.0.0.1]:80", "not an IPv6 address")]
    [TestCase("unix:", "names no socket path")]
    [TestCase("fd://three", "fd://N")]
    [TestCase("", "empty")]
    [TestCase("my host:80", "not a host name")]
    public void RejectsBadAddresses_SayingWhy(string text, string why)
    {
        Assert.That(BindAddress.TryParse(text, out var address, out var error), Is.False);
        Assert.That(address, Is.Null);
        Assert.That(error, Does.Contain(why));
    }

    [TestCase("[::1]:5002", "[::1]:5002")]
    [TestCase("unix:/tmp/a.sock", "unix:/tmp/a.sock")]
    [TestCase("localhost", "localhost:8000")]
    public void PrintsBackInTheSameSyntax(string text, string printed)
    {
        BindAddress.TryParse(text, out var address, out _);
        Assert.That(address!.ToString(), Is.EqualTo(printed));
    }
}
