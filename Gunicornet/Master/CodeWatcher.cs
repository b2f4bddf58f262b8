using Microsoft.Extensions.Logging;
using Gunicornet.Logging;

namespace Gunicornet.Master;

/// <summary>
/// <c>--reload</c>: watches the app's code in its folder (what a snapshot copies: .dll, .json, .so,
/// .pdb; not the data the app writes) and <c>--reload-extra-file</c>s, and reloads as HUP does once
/// changes have settled for a moment, so that a build writing many files reloads once.
/// </summary>
internal sealed partial class CodeWatcher : IDisposable
{
    /// <summary>How long the files must stay unchanged before the reload.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Action<string> _reload;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private string? _changed;

    /// <param name="appDirectory">The folder the app is loaded from (not its snapshot).</param>
    /// <param name="extraFiles">More files to watch.</param>
    /// <param name="reload">Called with the changed path, from a timer thread.</param>
    /// <param name="logger">Where it says what it watches.</param>
    public CodeWatcher(string appDirectory, IEnumerable<string> extraFiles, Action<string> reload, ILogger logger)
    {
        _reload = reload;
        _logger = logger;
        _timer = new Timer(_ => Fire());
        Watch(appDirectory, "*", AppSnapshots.IsCode);
        foreach (var file in extraFiles.Select(Path.GetFullPath))
        {
            Watch(Path.GetDirectoryName(file)!, Path.GetFileName(file), _ => true);
        }

        LogWatching(appDirectory, _watchers.Count - 1);
    }

    private void Watch(string directory, string filter, Func<string, bool> matters)
    {
        var watcher = new FileSystemWatcher(directory, filter)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        void Changed(string path)
        {
            if (matters(Path.GetFileName(path)))
            {
                OnChange(path);
            }
        }

        watcher.Changed += (_, e) => Changed(e.FullPath);
        watcher.Created += (_, e) => Changed(e.FullPath);
        watcher.Deleted += (_, e) => Changed(e.FullPath);
        watcher.Renamed += (_, e) => Changed(e.FullPath);
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    private void OnChange(string path)
    {
        lock (_lock)
        {
            _changed ??= path;
            _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        string? changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = null;
        }

        if (changed is not null)
        {
            _reload(changed);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _timer.Dispose();
        _watchers.ForEach(w => w.Dispose());
    }

    [LoggerMessage(EventId = EventIds.Watching, Level = LogLevel.Information, Message = "Reloading on changes: watching {Directory} and {Extra} more file(s)")]
    private partial void LogWatching(string directory, int extra);
}
