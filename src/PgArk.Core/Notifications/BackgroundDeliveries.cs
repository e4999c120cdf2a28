namespace PgArk.Core.Notifications;

/// <summary>
/// Deliveries started in the background and not finished yet, so that a process about to exit (the CLI) or stop
/// (<c>serve</c>) can give them a bounded time to go out.
/// </summary>
internal sealed class BackgroundDeliveries
{
    private readonly object _lock = new();
    private readonly HashSet<Task> _pending = [];

    /// <summary>Starts <paramref name="delivery"/> on the thread pool and tracks it until it ends; returns at once.</summary>
    public void Start(Func<Task> delivery)
    {
        var task = Task.Run(delivery);
        lock (_lock)
        {
            _pending.Add(task);
        }
        task.ContinueWith(t =>
        {
            lock (_lock)
            {
                _pending.Remove(t);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for deliveries in flight, at most <paramref name="timeout"/>; never throws.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        Task[] pending;
        lock (_lock)
        {
            pending = [.. _pending];
        }
        if (pending.Length > 0)
        {
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(timeout)).ConfigureAwait(false);
        }
    }
}
