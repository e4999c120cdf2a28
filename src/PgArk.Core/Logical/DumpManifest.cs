using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Codecs;
using PgArk.Core.Common;
using PgArk.Core.Configuration;

namespace PgArk.Core.Logical;

/// <summary>pg_dump archive format: <c>custom</c> (one file, streamed) or <c>directory</c> (one file per table, parallel).</summary>
public enum DumpFormat
{
    Custom,
    Directory,
}

/// <summary>One table in a dump. <see cref="Rows"/> is the exact count in the dump's snapshot (null for schema-only dumps).</summary>
public sealed record DumpTable(string Schema, string Name, long? Rows)
{
    public string QualifiedName => $"{Schema}.{Name}";
}

/// <summary>
/// One stored file of a dump. <see cref="Name"/> is the file's name inside the pg_dump archive ("dump" for the custom
/// format, "toc.dat", "3361.dat" ... for the directory format); <see cref="Sha256"/> is of the plain content.
/// </summary>
public sealed record DumpFile(string Name, long Size, long StoredSize, string Sha256);

/// <summary>
/// The record of one logical dump, stored as <c>manifest.json</c> in the dump's folder and written LAST: a dump folder
/// without it is incomplete and never listed. docs/repository-format.md ("Logical dumps") describes every field.
/// </summary>
public sealed record DumpManifest : IJsonFile<DumpManifest>
{
    static JsonTypeInfo<DumpManifest> IJsonFile<DumpManifest>.JsonInfo => LogicalJsonContext.Default.DumpManifest;

    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Id { get; init; }
    public required string Server { get; init; }
    public required string Database { get; init; }
    public string? Label { get; init; }
    public required DumpMode Mode { get; init; }
    public required DumpFormat DumpFormat { get; init; }

    /// <summary>Tables asked for with --table (empty: the whole database).</summary>
    public IReadOnlyList<string> SelectedTables { get; init; } = [];

    /// <summary>server_version_num of the server dumped, and its version string.</summary>
    public required int PgVersionNum { get; init; }
    public required string ServerVersion { get; init; }

    /// <summary>First line of <c>pg_dump --version</c>.</summary>
    public required string PgDumpVersion { get; init; }

    /// <summary>The snapshot pg_dump used (pg_export_snapshot in PgArk's own REPEATABLE READ transaction).</summary>
    public required string Snapshot { get; init; }

    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset StopTime { get; init; }
    public required double DurationSeconds { get; init; }

    public required CompressionType Compression { get; init; }
    public required int CompressionLevel { get; init; }

    /// <summary>Plain bytes pg_dump produced, and bytes stored in the repository.</summary>
    public required long Size { get; init; }
    public required long StoredSize { get; init; }

    public required IReadOnlyList<DumpFile> Files { get; init; }
    public required IReadOnlyList<DumpTable> Tables { get; init; }

    /// <summary>alembic_version.version_num at the snapshot, or null when the database has no alembic_version table.</summary>
    public string? AlembicRevision { get; init; }
}
