namespace PgArk.Core.Stores;

/// <summary>
/// What each kind of store implements (one folder per kind: Qdrant/, Neo4j/). The operations own the repository side
/// (ids, manifest, checksums, locks, history); a driver only talks to its store: it creates artifacts and hands each to
/// <see cref="IStoreArtifactSink"/> as a stream, restores from streams it is given, and counts what validation compares.
/// </summary>
internal interface IStoreDriver
{
    StoreOptions Options { get; }

    /// <summary>The items a backup would cover now (collections or databases), for listings and plans.</summary>
    Task<IReadOnlyList<string>> ListItemsAsync(CancellationToken cancellationToken);

    /// <summary>Creates one artifact per item and streams each into <paramref name="sink"/>; returns the items with their counts.</summary>
    Task<StoreBackupContent> BackupAsync(IStoreArtifactSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Restores <paramref name="item"/> from <paramref name="artifact"/> (the plain artifact, checked while read) into the item's
    /// own name or <paramref name="into"/>. The caller has confirmed the restore and verified the artifact's checksum.
    /// </summary>
    Task RestoreAsync(StoreItem item, Stream artifact, string? into, CancellationToken cancellationToken);

    /// <summary>Compares the live item (<paramref name="name"/>: the item's own name or where it was restored) with what the backup recorded.</summary>
    Task<StoreValidation> ValidateAsync(StoreItem item, string name, CancellationToken cancellationToken);
}

/// <summary>Receives the artifacts a driver creates and stores them (compressed, encrypted, hashed) in the repository.</summary>
internal interface IStoreArtifactSink
{
    /// <summary>Stores <paramref name="content"/> as the artifact of item <paramref name="name"/>; returns the stored item (size, SHA-256).</summary>
    Task<StoreItem> StoreAsync(string name, Stream content, CancellationToken cancellationToken);
}

/// <param name="Items">The stored items, with counts and configuration filled in by the driver.</param>
/// <param name="Notes">Things the operator must know about this backup.</param>
internal sealed record StoreBackupContent(IReadOnlyList<StoreItem> Items, IReadOnlyList<string> Notes);

/// <summary>The outcome of comparing one live item with its backup.</summary>
/// <param name="Problems">Differences (an empty list: the item matches).</param>
/// <param name="Counts">The counts found now.</param>
public sealed record StoreValidation(string Item, string Target, IReadOnlyDictionary<string, long> Counts, IReadOnlyList<string> Problems)
{
    /// <summary>Said when nothing could be compared (e.g. no HTTP endpoint configured); not a failure.</summary>
    public string? Note { get; init; }
}
