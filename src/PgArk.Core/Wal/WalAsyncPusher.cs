using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Wal;

/// <summary>
/// The long-lived half of asynchronous archiving: pushes every WAL file PostgreSQL has marked ready
/// (<c>pg_wal/archive_status/*.ready</c>) to every repository, <c>processes</c> at a time, ahead of PostgreSQL's
/// archive_command calls, and records each outcome in the spool (<see cref="WalArchiveSpool"/>) only once the
/// repositories' writes are durable. One pusher per server (a flock on the spool's lock file); it exits after
/// <c>idleExit</c> without work, and archive-push starts a new one when it finds none.
/// </summary>
internal sealed class WalAsyncPusher(WalArchiveSpool spool, WalArchiver archiver, ILogger logger)
{
    /// <summary>
    /// Runs until idle for <paramref name="idleExit"/> or cancelled. Returns false at once when another pusher holds the
    /// lock (after a short retry: archive-push probes the lock for a few microseconds).
    /// </summary>
    public async Task<bool> RunAsync(string server, string walFolder, IReadOnlyList<Repository> repositories, int processes,
        TimeSpan idleExit, CancellationToken cancellationToken)
    {
#pragma warning disable CA2000 // disposed by the using (handle) below (the analyzer loses track in the retry loop)
        var handle = spool.TryLockPusher();
#pragma warning restore CA2000
        for (var attempt = 0; handle is null && attempt < 20; attempt++)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
#pragma warning disable CA2000 // disposed by the using (handle) below (the analyzer loses track in the retry loop)
            handle = spool.TryLockPusher();
#pragma warning restore CA2000
        }
        if (handle is null)
        {
            return false;
        }
        using (handle)
        {
            var statusFolder = Path.Combine(walFolder, "archive_status");
            var idleSince = DateTime.UtcNow;
            logger.LogInformation("asynchronous pusher of server '{Server}' started on {Folder} with {Processes} processes", server, walFolder, processes);
            // Up to `processes` pushes in flight; each one that ends frees its slot for the next ready file at once
            // (no batch waits for its slowest member), and the ready list is read again whenever a push ends.
            var inFlight = new Dictionary<string, Task>(StringComparer.Ordinal);
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    var ready = ReadyFiles(statusFolder);
                    RemoveStaleStatuses(ready);
                    // Oldest first, as PostgreSQL asks for them.
                    foreach (var name in ready)
                    {
                        if (inFlight.Count >= processes)
                        {
                            break;
                        }
                        if (!inFlight.ContainsKey(name) && !spool.HasStatus(name))
                        {
                            inFlight[name] = Task.Run(() => PushOneAsync(server, walFolder, name, repositories, cancellationToken), cancellationToken);
                        }
                    }
                    if (inFlight.Count == 0)
                    {
                        if (DateTime.UtcNow - idleSince > idleExit)
                        {
                            break;
                        }
                        await Task.Delay(25, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    // A push ending, or new files becoming ready while slots are free, is noticed within 25 ms.
                    await Task.WhenAny(inFlight.Values.Append(Task.Delay(25, cancellationToken))).ConfigureAwait(false);
                    foreach (var (name, task) in inFlight.Where(p => p.Value.IsCompleted).ToList())
                    {
                        inFlight.Remove(name);
                        await task.ConfigureAwait(false); // a failure other than a push's own (recorded as .error) ends the pusher
                    }
                    idleSince = DateTime.UtcNow;
                }
            }
            finally
            {
                // Never leave with a push still writing: its status would be written after the lock is released.
                try
                {
                    await Task.WhenAll(inFlight.Values).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || cancellationToken.IsCancellationRequested)
                {
                    // cancelled with the pusher
                }
            }
            logger.LogInformation("asynchronous pusher of server '{Server}' stopped", server);
        }
        return true;
    }

    private async Task PushOneAsync(string server, string walFolder, string name, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var path = Path.Combine(walFolder, name);
        // Size and time are taken before the read: PostgreSQL does not change a file once it is marked ready.
        var stamp = WalFileStamp.Of(path);
        if (stamp is null)
        {
            return; // archived and recycled meanwhile (its .ready is gone too)
        }
        string sha256;
        try
        {
            sha256 = await archiver.PushFileAsync(server, path, repositories, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (NotFoundException) when (!File.Exists(path))
        {
            return;
        }
        catch (Exception ex) when (ex is PgArkException or IOException or UnauthorizedAccessException)
        {
            logger.LogError("unable to push WAL file {Name}: {Message}", name, ex.Message);
            spool.WriteError(name, ex.Message);
            return;
        }
        // Only now, with every repository's write complete (synced and renamed), may the spool say "archived".
        spool.WriteOk(name, stamp, sha256);
    }

    /// <summary>WAL file names PostgreSQL has marked ready, oldest first (history files sort after their segments' names).</summary>
    internal static List<string> ReadyFiles(string statusFolder)
    {
        if (!Directory.Exists(statusFolder))
        {
            return [];
        }
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(statusFolder, "*.ready"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (WalFileName.TryParse(name, out _))
            {
                names.Add(name);
            }
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>
    /// A status whose file is no longer ready was used (PostgreSQL marked it done) or belongs to a file PostgreSQL will
    /// never ask for again: remove it so the spool does not grow.
    /// </summary>
    private void RemoveStaleStatuses(List<string> ready)
    {
        var readySet = ready.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in spool.ListStatuses())
        {
            if (!readySet.Contains(name))
            {
                spool.Remove(name);
            }
        }
    }
}
