using PgArk.Core.Catalog;
using PgArk.Core.Errors;

namespace PgArk.Core.Wal;

/// <summary>Waits until a set of WAL segments is in the repository (archive_command runs asynchronously to us).</summary>
internal static class WalArchiveWaiter
{
    public static async Task WaitForSegmentsAsync(Repository repository, string server, IReadOnlyList<string> segmentNames,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(50);
        IEnumerable<string> pending = segmentNames;
        while (true)
        {
            // Only what was still missing last time is looked for again.
            var missing = await repository.MissingWalSegmentsAsync(server, pending, cancellationToken).ConfigureAwait(false);
            pending = missing;
            if (missing.Count == 0)
            {
                return;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new OperationFailedException(
                    $"WAL segment {missing.Min} (and {missing.Count - 1} more) did not reach repository '{repository.Name}' within {timeout.TotalSeconds:0} s",
                    $"check archive_command and the server log; 'pgark check --server {server}' tests archiving");
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
        }
    }
}
