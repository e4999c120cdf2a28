using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Wal;

/// <summary>
/// The archive_command half of asynchronous archiving: makes sure a pusher runs, then waits for the spool's status of
/// its WAL file. Success only for an ok status written for this very file (same size and time). An error status is
/// removed once it is a second old, so the pusher tries again (a repository that was briefly unreachable costs no
/// PostgreSQL retry); no ok status within the timeout is a failure that reports the pusher's last error. Never reports
/// success on its own judgement.
/// </summary>
internal sealed class WalAsyncPushClient(WalArchiveSpool spool, Func<CancellationToken, Task> startPusherAsync)
{
    /// <summary>A pusher that died is started again, but not more than once in this interval.</summary>
    private static readonly TimeSpan s_restartInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long an error status is left in place before the file is handed back to the pusher.</summary>
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    public async Task PushAsync(string walPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(Path.GetFileName(walPath));
        if (!File.Exists(walPath))
        {
            throw new NotFoundException($"WAL file '{walPath}' does not exist");
        }
        var started = DateTime.UtcNow;
        var deadline = started + timeout;
        DateTime? lastStart = null;
        var delay = TimeSpan.FromMilliseconds(2);
        string? lastError = null;
        while (true)
        {
            switch (spool.TryRead(name.Name))
            {
                case { Ok: true } ok when ok.Describes(walPath):
                    // PostgreSQL marks the file done once we return 0, and the pusher drops statuses of files not ready.
                    return;
                case { Ok: true }:
                    // Written for an older file of the same name: worthless for this one, push it again.
                    spool.Remove(name.Name);
                    break;
                case { Ok: false } error:
                    lastError = error.Message;
                    if (DateTime.UtcNow - error.WrittenAt >= RetryInterval)
                    {
                        spool.Remove(name.Name);
                    }
                    break;
            }
            var now = DateTime.UtcNow;
            if (now >= deadline)
            {
                throw new PgArkException(ErrorKind.Failed,
                    $"WAL file {name} was not archived within {timeout.TotalSeconds:0} s by the asynchronous pusher" +
                    (lastError is null ? "" : $": {lastError}"),
                    $"PostgreSQL keeps the file and retries; see {spool.LogPath}" +
                    (lastError is null ? " and raise archive.timeout if the repository is slow" : ""));
            }
            if ((lastStart is null || now - lastStart >= s_restartInterval) && !spool.IsPusherRunning())
            {
                lastStart = now;
                await startPusherAsync(cancellationToken).ConfigureAwait(false);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 50));
        }
    }
}
