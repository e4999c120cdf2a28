using System.Globalization;

namespace PgArk.Core.Catalog;

/// <summary>Reads and writes a server's history records (<c>servers/&lt;server&gt;/history/</c>) in a repository.</summary>
internal sealed class HistoryStore(Repository repository)
{
    public const string VerifyRestoreSuffix = "-verify-restore.json";
    public const string RunSuffix = ".run.json";

    /// <summary>Stores a verify-restore record under a name built from its start time; returns the path.</summary>
    public async Task<string> WriteVerifyRestoreAsync(VerifyRestoreRecord record, CancellationToken cancellationToken)
    {
        var name = record.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + VerifyRestoreSuffix;
        var path = $"{RepositoryLayout.HistoryFolder(record.Server)}/{name}";
        await repository.WriteJsonAsync(path, record, cancellationToken).ConfigureAwait(false);
        return path;
    }

    /// <summary>The newest verify-restore record of a server, or null when there is none.</summary>
    public async Task<VerifyRestoreRecord?> ReadLastVerifyRestoreAsync(string server, CancellationToken cancellationToken)
    {
        string? newest = null;
        await foreach (var entry in repository.Storage.ListAsync(RepositoryLayout.HistoryFolder(server), recursive: false, cancellationToken)
                           .ConfigureAwait(false))
        {
            if (entry.Path.EndsWith(VerifyRestoreSuffix, StringComparison.Ordinal) && (newest is null || string.CompareOrdinal(entry.Path, newest) > 0))
            {
                newest = entry.Path;
            }
        }
        if (newest is null)
        {
            return null;
        }
        return await repository.ReadJsonAsync<VerifyRestoreRecord>(newest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores the record of an operation run; returns the path.</summary>
    public async Task<string> WriteRunAsync(OperationRunRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record.Server);
        var name = record.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + $"-{record.Operation}{RunSuffix}";
        var path = $"{RepositoryLayout.HistoryFolder(record.Server)}/{name}";
        await repository.WriteJsonAsync(path, record, cancellationToken).ConfigureAwait(false);
        return path;
    }

    /// <summary>Stores the record of a store operation's run under <c>stores/&lt;store&gt;/history/</c>; returns the path.</summary>
    public async Task<string> WriteStoreRunAsync(OperationRunRecord record, string store, CancellationToken cancellationToken)
    {
        var name = record.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + $"-{record.Operation}{RunSuffix}";
        var path = $"{RepositoryLayout.StoreHistoryFolder(store)}/{name}";
        await repository.WriteJsonAsync(path, record, cancellationToken).ConfigureAwait(false);
        return path;
    }

    /// <summary>Paths of a store's run records, oldest first.</summary>
    public async Task<IReadOnlyList<string>> ListStoreRunsAsync(string store, CancellationToken cancellationToken)
    {
        var paths = new List<string>();
        await foreach (var entry in repository.Storage.ListAsync(RepositoryLayout.StoreHistoryFolder(store), recursive: false, cancellationToken)
                           .ConfigureAwait(false))
        {
            if (entry.Path.EndsWith(RunSuffix, StringComparison.Ordinal))
            {
                paths.Add(entry.Path);
            }
        }
        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    /// <summary>Paths of a server's run records, oldest first (names start with the start time).</summary>
    public async Task<IReadOnlyList<string>> ListRunsAsync(string server, CancellationToken cancellationToken)
    {
        var paths = new List<string>();
        await foreach (var entry in repository.Storage.ListAsync(RepositoryLayout.HistoryFolder(server), recursive: false, cancellationToken)
                           .ConfigureAwait(false))
        {
            if (entry.Path.EndsWith(RunSuffix, StringComparison.Ordinal))
            {
                paths.Add(entry.Path);
            }
        }
        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    public Task<OperationRunRecord?> ReadRunAsync(string path, CancellationToken cancellationToken) =>
        repository.ReadJsonAsync<OperationRunRecord>(path, cancellationToken);
}
