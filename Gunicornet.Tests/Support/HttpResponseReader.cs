using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gunicornet.Tests.Support;

/// <summary>Reads HTTP/1.1 responses (Content-Length or chunked) off one connection: status, Connection: close, body.</summary>
internal sealed class HttpResponseReader(Socket socket)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public async Task<(int Status, bool Close, string Body)> ReadAsync()
    {
        var head = await ReadLineBlockAsync();
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        long length = 0;
        bool chunked = false, close = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                close = value.Contains("close", StringComparison.OrdinalIgnoreCase);
            }
        }

        var body = new MemoryStream();
        if (!chunked)
        {
            await CopyAsync(length, body);
            return (status, close, Encoding.UTF8.GetString(body.ToArray()));
        }

        while (true)
        {
            var size = long.Parse((await ReadLineAsync()).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            await CopyAsync(size, body);
            await ReadLineAsync();
            if (size == 0)
            {
                return (status, close, Encoding.UTF8.GetString(body.ToArray()));
            }
        }
    }

    private async Task<string> ReadLineBlockAsync()
    {
        var block = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line.Length == 0)
            {
                return block.ToString().TrimEnd('\r', '\n');
            }

            block.Append(line).Append("\r\n");
        }
    }

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }

            await FillAsync();
        }
    }

    private async Task CopyAsync(long count, Stream to)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                await FillAsync();
            }

            var take = (int)Math.Min(count, _end - _start);
            to.Write(_buffer, _start, take);
            _start += take;
            count -= take;
        }
    }

    private async Task FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await socket.ReceiveAsync(_buffer.AsMemory(_end));
        if (read == 0)
        {
            throw new IOException("connection closed before a complete response");
        }

        _end += read;
    }
}
