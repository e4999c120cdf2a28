using System.Globalization;
using System.Text.Json;
using PgArk.Core.Errors;
using PgArk.Core.Storage;

namespace PgArk.Core.Catalog;

/// <summary>Reads and writes a server's history records (<c>servers/&lt;server&gt;/history/</c>) in a repository.</summary>
public sealed class HistoryStore(Repository repository)
{
    public const string VerifyRestoreSuffix = "-verify-restore.json";

    /// <summary>Stores a verify-restore record under a name built from its start time; returns the path.</summary>
    public async Task<string> WriteVerifyRestoreAsync(VerifyRestoreRecord record, CancellationToken cancellationToken)
    {
        var name = record.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + VerifyRestoreSuffix;
        var path = $"{RepositoryLayout.HistoryFolder(record.Server)}/{name}";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, HistoryJsonContext.Default.VerifyRestoreRecord);
        var stream = await repository.Storage.OpenWriteAsync(path, WriteOptions.Default, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
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
        var stream = await repository.Storage.OpenReadAsync(newest, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync(stream, HistoryJsonContext.Default.VerifyRestoreRecord, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                throw new IntegrityException($"repository file '{newest}' in {repository.Storage.Location} is not valid: {ex.Message}");
            }
        }
    }
}
