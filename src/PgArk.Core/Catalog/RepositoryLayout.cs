using PgArk.Core.Postgres;

namespace PgArk.Core.Catalog;

/// <summary>
/// Where everything lives inside a repository (docs/repository-format.md is the contract). Only this type builds
/// repository paths, from validated parts (server names from config, <see cref="BackupId"/>, <see cref="WalFileName"/>).
/// </summary>
internal static class RepositoryLayout
{
    public const string MarkerFile = "pgark-repository.json";
    public const string ManifestFileName = "manifest.json";

    public static string ServerFolder(string server) => $"servers/{server}";
    public static string ServerRecordPath(string server) => $"servers/{server}/server.json";
    public static string BackupsFolder(string server) => $"servers/{server}/backups";
    public static string BackupFolder(string server, BackupId id) => $"servers/{server}/backups/{id}";
    public static string ManifestPath(string server, BackupId id) => $"{BackupFolder(server, id)}/{ManifestFileName}";

    /// <summary>Stored copy of a data-directory file; <paramref name="extension"/> is the codec's (".zst", ...).</summary>
    public static string BackupFilePath(string server, BackupId id, string relativePath, string extension) =>
        $"{BackupFolder(server, id)}/data/{relativePath}{extension}";

    /// <summary>Stored page-level delta of a relation file (see <see cref="ManifestDelta"/>).</summary>
    public static string BackupDeltaPath(string server, BackupId id, string relativePath, string extension) =>
        $"{BackupFolder(server, id)}/data/{relativePath}.pgdelta{extension}";

    public static string WalRoot(string server) => $"servers/{server}/wal";

    /// <summary>
    /// Folder of an archived file: segments (and their .partial/.backup files) under timeline and log id, so that
    /// no folder holds more than 256 segments of 16 MB; history files under their timeline.
    /// </summary>
    public static string WalFolder(string server, WalFileName name) => name.Kind == WalFileKind.History
        ? $"{WalRoot(server)}/{name.Timeline:X8}"
        : $"{WalRoot(server)}/{name.Timeline:X8}/{name.Name.Substring(8, 8)}";

    /// <summary>Stored name of an archived file: its PostgreSQL name, the SHA-256 of its plain content, the codec extension.</summary>
    public static string WalStoredName(WalFileName name, string sha256, string extension) => $"{name.Name}-{sha256}{extension}";

    public static string HistoryFolder(string server) => $"servers/{server}/history";

    /// <summary>The run records of a store (its other files are laid out by <c>Stores.StoreCatalog</c>).</summary>
    public static string StoreHistoryFolder(string store) => $"stores/{store}/history";

    /// <summary>The scheduler's per-entry state (last run, outcome) of a server.</summary>
    public static string ScheduleStatePath(string server) => $"servers/{server}/schedule-state.json";

    /// <summary>Logical dumps of a server; <paramref name="dumpId"/> is a validated <c>Logical.DumpId</c>.</summary>
    public static string DumpsFolder(string server) => $"servers/{server}/dumps";
    public static string DumpFolder(string server, string dumpId) => $"servers/{server}/dumps/{dumpId}";
    public static string DumpManifestPath(string server, string dumpId) => $"{DumpFolder(server, dumpId)}/{ManifestFileName}";

    /// <summary>Stored copy of one file of a pg_dump archive (a name checked by <c>Logical.DumpCatalog</c>), plus the codec extension.</summary>
    public static string DumpFilePath(string server, string dumpId, string fileName, string extension) =>
        $"{DumpFolder(server, dumpId)}/data/{fileName}{extension}";
}
