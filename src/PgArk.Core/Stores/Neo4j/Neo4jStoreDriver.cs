using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores.Neo4j;

/// <summary>
/// Backs up Neo4j databases with <c>neo4j-admin</c> (dumps streamed into the repository), restores with a load that
/// overwrites the destination, and validates node and relationship counts per label and type through the HTTP API.
/// </summary>
internal sealed class Neo4jStoreDriver(Neo4jStoreOptions options, ILogger logger) : IStoreDriver
{
    private readonly Neo4jAdmin _admin = new(options);

    public StoreOptions Options => options;

    public Task<IReadOnlyList<string>> ListItemsAsync(CancellationToken cancellationToken) => Task.FromResult(options.Databases);

    public async Task<StoreBackupContent> BackupAsync(IStoreArtifactSink sink, CancellationToken cancellationToken)
    {
        var notes = new List<string> { Neo4jAdmin.CommunityNote };
        var items = new List<StoreItem>();
        foreach (var database in options.Databases)
        {
            // Counted first: once the database is stopped for the dump (Community edition) the HTTP API cannot answer for it.
            IReadOnlyDictionary<string, long>? counts = null;
            if (options.HttpUrl is { } url)
            {
                try
                {
                    using var http = new Neo4jHttpClient(options, url);
                    counts = await http.CountAsync(database, cancellationToken).ConfigureAwait(false);
                }
                catch (PgArkException ex) when (ex is StoreRequestException or NotFoundException)
                {
                    notes.Add($"counts of database '{database}' not recorded, so validation cannot compare them: {ex.Message}");
                    Log.Neo4jCountsNotRecorded(logger, options.Name, database, ex.Message);
                }
            }
            var item = await _admin.DumpAsync(database, dump => sink.StoreAsync(database, dump, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (item.Size == 0)
            {
                throw new OperationFailedException($"neo4j-admin wrote an empty dump of database '{database}' (Neo4j store '{options.Name}')",
                    Neo4jAdmin.CommunityNote);
            }
            items.Add(counts is null ? item : item with { Counts = counts });
        }
        if (options.HttpUrl is null)
        {
            notes.Add("no httpUrl configured: node and relationship counts are not recorded and validation cannot compare them");
        }
        return new StoreBackupContent(items, notes);
    }

    public Task RestoreAsync(StoreItem item, Stream artifact, string? into, CancellationToken cancellationToken) =>
        _admin.LoadAsync(into ?? item.Name, artifact, cancellationToken);

    public async Task<StoreValidation> ValidateAsync(StoreItem item, string name, CancellationToken cancellationToken)
    {
        if (options.HttpUrl is not { } url)
        {
            return new StoreValidation(item.Name, name, new Dictionary<string, long>(), []) { Note = "no httpUrl configured: nothing to compare" };
        }
        using var http = new Neo4jHttpClient(options, url);
        IReadOnlyDictionary<string, long> found;
        try
        {
            found = await http.CountAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            return new StoreValidation(item.Name, name, new Dictionary<string, long>(), [ex.Message]);
        }
        if (item.Counts.Count == 0)
        {
            return new StoreValidation(item.Name, name, found, []) { Note = "the backup recorded no counts (the HTTP API did not answer at backup time)" };
        }
        var problems = new List<string>();
        foreach (var key in item.Counts.Keys.Union(found.Keys).Order(StringComparer.Ordinal))
        {
            var expected = item.Counts.GetValueOrDefault(key);
            var actual = found.GetValueOrDefault(key);
            if (expected != actual)
            {
                problems.Add($"database '{name}' has {actual} {Describe(key)}, the backup recorded {expected}");
            }
        }
        return new StoreValidation(item.Name, name, found, problems);
    }

    private static string Describe(string key) => key switch
    {
        "nodes" => "nodes",
        "relationships" => "relationships",
        _ when key.StartsWith("label:", StringComparison.Ordinal) => $"nodes labelled {key[6..]}",
        _ => $"relationships of type {key[5..]}",
    };
}
