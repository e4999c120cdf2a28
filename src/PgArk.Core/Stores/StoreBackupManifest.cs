using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Codecs;
using PgArk.Core.Common;

namespace PgArk.Core.Stores;

/// <summary>
/// The record of one store backup, <c>stores/&lt;store&gt;/backups/&lt;id&gt;/manifest.json</c> (docs/repository-format.md).
/// It is written last: a backup folder without it is an interrupted backup. Sizes are bytes; times are UTC.
/// </summary>
public sealed record StoreBackupManifest : IJsonFile<StoreBackupManifest>
{
    static JsonTypeInfo<StoreBackupManifest> IJsonFile<StoreBackupManifest>.JsonInfo => StoresJsonContext.Default.StoreBackupManifest;

    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Id { get; init; }
    public required string Store { get; init; }

    /// <summary><c>qdrant</c> or <c>neo4j</c>.</summary>
    public required StoreKind Kind { get; init; }

    public required DateTimeOffset StartTime { get; init; }
    public double DurationSeconds { get; init; }

    /// <summary>Codec of every stored artifact of this backup.</summary>
    public required CompressionType Compression { get; init; }

    public string? Label { get; init; }

    /// <summary>What was backed up: one item per Qdrant collection (or the full storage) or Neo4j database.</summary>
    public required IReadOnlyList<StoreItem> Items { get; init; }

    /// <summary>What the operator should know (e.g. Neo4j Community needs the database stopped), shown by every front end.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public long Size => Items.Sum(i => i.Size);
    public long StoredSize => Items.Sum(i => i.StoredSize);
}

/// <summary>One artifact of a store backup and what validation compares after a restore.</summary>
/// <param name="Name">Collection or database name (<c>*</c> for a Qdrant full-storage snapshot).</param>
/// <param name="File">Stored file name inside the backup folder (without the codec extension).</param>
/// <param name="Size">Plain bytes of the artifact (snapshot tar or dump).</param>
/// <param name="StoredSize">Bytes in the repository after compression (and encryption).</param>
/// <param name="Sha256">SHA-256 of the plain artifact, checked by verify and before every restore.</param>
public sealed record StoreItem(string Name, string File, long Size, long StoredSize, string Sha256)
{
    /// <summary>The checksum the store itself reported for the artifact (Qdrant's snapshot checksum); null when it reports none.</summary>
    public string? SourceChecksum { get; init; }

    /// <summary>Counts recorded at backup time: Qdrant <c>points</c>; Neo4j <c>nodes</c>, <c>relationships</c>, <c>label:X</c>, <c>type:Y</c>.</summary>
    public IReadOnlyDictionary<string, long> Counts { get; init; } = new Dictionary<string, long>();

    /// <summary>Configuration that must survive a restore (Qdrant: the collection's vectors configuration as compact JSON).</summary>
    public string? Config { get; init; }
}
