using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Common;

namespace PgArk.Core.Catalog;

/// <summary>
/// What <c>pgark init</c> records about a server in each repository (<c>servers/&lt;name&gt;/server.json</c>):
/// later backups and WAL pushes refuse to mix in data from a different cluster.
/// </summary>
public sealed record ServerRecord : IJsonFile<ServerRecord>
{
    static JsonTypeInfo<ServerRecord> IJsonFile<ServerRecord>.JsonInfo => CatalogJsonContext.Default.ServerRecord;

    public int Format { get; init; } = 1;
    public required string Name { get; init; }
    public required ulong SystemIdentifier { get; init; }
    public required int PgVersionNum { get; init; }
    public required long WalSegmentSize { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The repository's own marker file (<c>pgark-repository.json</c>): format version and creation time.</summary>
internal sealed record RepositoryMarker : IJsonFile<RepositoryMarker>
{
    static JsonTypeInfo<RepositoryMarker> IJsonFile<RepositoryMarker>.JsonInfo => CatalogJsonContext.Default.RepositoryMarker;

    public const int CurrentFormat = 1;
    public int Format { get; init; } = CurrentFormat;
    public required DateTimeOffset CreatedAt { get; init; }
    public string Tool { get; init; } = "pgark";
}
