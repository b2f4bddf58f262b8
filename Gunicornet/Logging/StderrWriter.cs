using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Gunicornet.Logging;

/// <summary>
/// <c>Console.Error</c> for Gunicornet's processes. .NET's own writes to a duplicate of descriptor 2
/// made at first use, so a log file reopened onto descriptor 2 (USR1) would never receive a line;
/// this one writes to descriptor 2 itself, whatever it is now. Each write is one <c>write(2)</c>, so
/// lines from several processes sharing a file or pipe never split; a failing write (disk full,
/// file gone) is dropped rather than thrown into the logger.
/// </summary>
internal sealed class StderrWriter : TextWriter
{
    private readonly Lock _lock = new();
    private readonly FileStream? _stream;

    private StderrWriter()
    {
        try
        {
            _stream = new FileStream(new SafeFileHandle(2, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // Started with descriptor 2 closed: there is nowhere to write.
        }
    }

    /// <inheritdoc />
    public override Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Makes <c>Console.Error</c> write to descriptor 2 directly; call before anything logs.</summary>
    public static void Install() => Console.SetError(new StderrWriter());

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
                _stream.Write(bytes);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <inheritdoc />
    public override void WriteLine(string? value) => Write(value + NewLine);
}
