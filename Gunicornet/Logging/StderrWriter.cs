using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Logging;

/// <summary>
/// <c>Console.Error</c> for Gunicornet's processes. .NET's own writes to a duplicate of descriptor 2
/// made at first use, so a log file reopened onto descriptor 2 (USR1) would never receive a line;
/// this one writes to descriptor 2 itself, whatever it is now. Each line is one <c>write(2)</c> at the
/// file's shared offset (<see cref="Posix.DescriptorStream"/>), so lines from several processes sharing
/// a file or pipe never split or overwrite each other.
/// A failing write (disk full, file gone) is dropped rather than thrown into the logger, so serving
/// goes on. The first failure of an outage is said once where someone can read it (the master's
/// original stderr, when the log went to a file), and the first line that can be written again is
/// preceded by how many were lost and why.
/// </summary>
internal sealed class StderrWriter : TextWriter
{
    private readonly Lock _lock = new();
    private readonly Stream? _stream;
    private readonly string _pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly TimeProvider _time;
    private Action<string>? _sayFailure;
    private long _lost;
    private string? _why;

    internal StderrWriter(Stream? stream, TimeProvider time)
    {
        _stream = stream;
        _time = time;
    }

    /// <inheritdoc />
    public override Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The installed writer, once <see cref="Install"/> has run.</summary>
    public static StderrWriter? Current { get; private set; }

    /// <summary>Lines dropped since the log last took a write.</summary>
    public long Lost
    {
        get
        {
            lock (_lock)
            {
                return _lost;
            }
        }
    }

    /// <summary>Makes <c>Console.Error</c> write to descriptor 2 directly; call before anything logs.</summary>
    public static void Install()
    {
        // Started with descriptor 2 closed, there is nowhere to write.
        var stream = Posix.FileDescriptors.IsOpen(2) ? new Posix.DescriptorStream(2) : null;
        Current = new StderrWriter(stream, TimeProvider.System);
        Console.SetError(Current);
    }

    /// <summary>Where the first failed write of an outage is said (one line, with its newline).</summary>
    public void SayFailuresTo(Action<string> say)
    {
        lock (_lock)
        {
            _sayFailure = say;
        }
    }

    /// <inheritdoc />
    public override void Write(char value) => Write(value.ToString());

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    /// <inheritdoc />
    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value) || _stream is null)
        {
            return;
        }

        var bytes = Encoding.GetBytes(value);
        lock (_lock)
        {
            try
            {
                if (_lost > 0)
                {
                    var note = GunicornFormatter.Format(_time.GetLocalNow(), _pid, LogLevel.Warning, $"{_lost} log line(s) could not be written ({_why}) and are lost", null);
                    _stream.Write(Encoding.GetBytes(note));
                    (_lost, _why) = (0, null);
                }

                _stream.Write(bytes);
            }
            catch (IOException e)
            {
                if (_lost++ == 0)
                {
                    _why = Reason(e);
                    _sayFailure?.Invoke(GunicornFormatter.Format(_time.GetLocalNow(), _pid, LogLevel.Error, $"Can't write the error log ({_why}); its lines are dropped until it can be written, serving goes on", null));
                }
            }
        }
    }

    /// <inheritdoc />
    public override void WriteLine(string? value) => Write(value + NewLine);

    /// <summary>The system's reason without .NET's decoration (<c>No space left on device</c>).</summary>
    private static string Reason(IOException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" : ", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }
}
