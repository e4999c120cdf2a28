using PgArk.Core.Configuration;

namespace PgArk.Core.Stores.Qdrant;

/// <summary>A Qdrant server (<c>stores[]</c> with <c>type: qdrant</c>), reached through its REST API.</summary>
/// <param name="Url">Base URL of the REST API, e.g. <c>http://qdrant:6333</c>.</param>
/// <param name="ApiKey">The <c>api-key</c> header value (apiKey, apiKeyEnv or apiKeyFile); null when the server has none.</param>
/// <param name="Collections">Collections to snapshot; empty means every collection the server lists at backup time.</param>
/// <param name="FullStorage">Take one full-storage snapshot (<c>POST /snapshots</c>) instead of per-collection snapshots.</param>
internal sealed record QdrantStoreOptions(string Name, string Repository, Uri Url, SecretSource? ApiKey, IReadOnlyList<string> Collections, bool FullStorage)
    : StoreOptions(Name, Repository)
{
    public override StoreKind Kind => StoreKind.Qdrant;

    /// <summary>Seconds one REST call may take (snapshots of large collections take a while); default 3600.</summary>
    public int TimeoutSeconds { get; init; } = 3600;
}
