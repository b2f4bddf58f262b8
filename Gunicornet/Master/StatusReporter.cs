namespace Gunicornet.Master;

/// <summary>Turns the pool's status into systemd notifications: READY, RELOADING, STOPPING, STATUS.</summary>
internal sealed class StatusReporter(SystemdNotifier notifier)
{
    private bool _ready;
    private bool _reloading;
    private bool _stopping;

    /// <summary>Reports a change of the pool.</summary>
    public void Report(ArbiterStatus status)
    {
        var line = $"Gunicornet: {status.Ready} of {status.Target} workers ready (generation {status.Generation})"
            + (status.Reloading ? ", reloading" : "");
        if (status.ShuttingDown)
        {
            if (!_stopping)
            {
                _stopping = true;
                notifier.Stopping();
            }

            return;
        }

        if (status.Reloading && !_reloading)
        {
            _reloading = true;
            notifier.Reloading();
        }

        if (!_ready && status.Target > 0 && status.Ready >= status.Target)
        {
            // Up when the first generation is fully ready.
            _ready = true;
            notifier.Ready(line);
            return;
        }

        if (_reloading && !status.Reloading)
        {
            // A reload ended (done or rolled back): the service is ready again.
            _reloading = false;
            notifier.Ready(line);
            return;
        }

        notifier.Status(line);
    }
}
