using PgArk.Core.Catalog;
using PgArk.Core.Errors;

namespace PgArk.Core.Wal;

/// <summary>Waits until a set of WAL segments is in the repository (archive_command runs asynchronously to us).</summary>
public static class WalArchiveWaiter
{
    public static async Task WaitForSegmentsAsync(Repository repository, string server, IReadOnlyList<string> segmentNames,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var missing = new SortedSet<string>(segmentNames, StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            foreach (var folder in missing.Select(n => RepositoryLayout.WalFolder(server, WalFileName.Parse(n))).Distinct().ToList())
            {
                await foreach (var entry in repository.Storage.ListAsync(folder, recursive: false, cancellationToken).ConfigureAwait(false))
                {
                    if (ArchivedWalFile.TryParse(entry, out var archived) && archived.Name.Kind == WalFileKind.Segment)
                    {
                        missing.Remove(archived.Name.Name);
                    }
                }
            }
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
