using PgArk.Core.Configuration;

namespace PgArk.Core.Stores;

/// <summary>The kinds of store PgArk backs up beside PostgreSQL servers (YAML <c>stores[].type</c>).</summary>
public enum StoreKind
{
    Qdrant,
    Neo4j,
}

/// <summary>
/// One entry of <c>stores</c> in <c>pgark.yaml</c>: a non-PostgreSQL data store whose backups go into a PgArk repository.
/// Each kind adds its own keys in a record of its folder (<see cref="Qdrant.QdrantStoreOptions"/>, <see cref="Neo4j.Neo4jStoreOptions"/>).
/// </summary>
/// <param name="Name">Unique among stores (letters, digits, '-', '_'); names the repository folder <c>stores/&lt;name&gt;/</c>.</param>
/// <param name="Repository">The configured repository that receives the store's backups.</param>
public abstract record StoreOptions(string Name, string Repository)
{
    public abstract StoreKind Kind { get; }

    /// <summary>Retention of the store's backups (<c>stores[].retention</c>); both null keeps everything.</summary>
    public StoreRetentionOptions Retention { get; init; } = StoreRetentionOptions.KeepAll;

    /// <summary>When <c>pgark serve</c> backs the store up (<c>stores[].schedule</c>, a cron expression); null: never.</summary>
    public CronExpression? Schedule { get; init; }
}

/// <summary>Keep the <paramref name="Keep"/> newest backups and/or those younger than <paramref name="Days"/> days (seed 004: 30 days).</summary>
public sealed record StoreRetentionOptions(int? Keep, int? Days)
{
    public static StoreRetentionOptions KeepAll { get; } = new(null, null);
}
