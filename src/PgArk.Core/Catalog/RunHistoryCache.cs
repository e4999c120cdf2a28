using System.Collections.Concurrent;
using PgArk.Core.Errors;

namespace PgArk.Core.Catalog;

/// <summary>
/// Reads a server's run history (<see cref="HistoryStore"/>) for processes that read it again and again (<c>/metrics</c>,
/// alert evaluation): run records never change once written, so each is read once per process. A damaged record is
/// left out.
/// </summary>
internal sealed class RunHistoryCache
{
    private readonly ConcurrentDictionary<string, OperationRunRecord?> _runs = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<OperationRunRecord>> ReadAsync(string server, Repository repository, CancellationToken cancellationToken)
    {
        var history = new HistoryStore(repository);
        return await ReadPathsAsync(history, repository, await history.ListRunsAsync(server, cancellationToken).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The runs of a Qdrant or Neo4j store (<c>stores/&lt;store&gt;/history/</c> of its repository).</summary>
    public async Task<IReadOnlyList<OperationRunRecord>> ReadStoreAsync(string store, Repository repository, CancellationToken cancellationToken)
    {
        var history = new HistoryStore(repository);
        return await ReadPathsAsync(history, repository, await history.ListStoreRunsAsync(store, cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<OperationRunRecord>> ReadPathsAsync(HistoryStore history, Repository repository, IReadOnlyList<string> paths,
        CancellationToken cancellationToken)
    {
        var records = new List<OperationRunRecord>();
        foreach (var path in paths)
        {
            var key = $"{repository.Storage.Location}\n{path}";
            if (!_runs.TryGetValue(key, out var record))
            {
                try
                {
                    record = await history.ReadRunAsync(path, cancellationToken).ConfigureAwait(false);
                }
                catch (IntegrityException)
                {
                    record = null;
                }
                _runs[key] = record;
            }
            if (record is not null)
            {
                records.Add(record);
            }
        }
        return records;
    }
}
