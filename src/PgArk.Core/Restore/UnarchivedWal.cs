using System.Globalization;
using Microsoft.Extensions.Logging;

namespace PgArk.Core.Restore;

/// <summary>
/// A delta restore replaces pg_wal's content. WAL the archiver has not confirmed may be the only copy of the last
/// commits, so it is moved into a folder beside the data directory, never deleted.
/// </summary>
/// <remarks>
/// What counts as archived: a file with a <c>.done</c> marker in <c>pg_wal/archive_status</c>, which PostgreSQL writes
/// only after archive_command succeeded. Everything else in pg_wal (segments marked <c>.ready</c> or not marked at all,
/// <c>.partial</c> segments, history and backup-history files) is moved: with archiving off, or a marker lost in a
/// crash, no segment is proven archived, so all are kept. Marked segments are removed, as PostgreSQL would recycle them.
/// </remarks>
internal static class UnarchivedWal
{
    /// <summary>Moves the un-archived WAL files aside. Returns the folder they went to, or null when there were none.</summary>
    public static string? MoveAside(string dataDirectory, ILogger logger)
    {
        var walFolder = Path.Combine(dataDirectory, "pg_wal");
        if (!Directory.Exists(walFolder))
        {
            return null;
        }
        var statusFolder = Path.Combine(walFolder, "archive_status");
        var unarchived = new DirectoryInfo(walFolder).EnumerateFiles()
            .Where(f => f.LinkTarget is null && !File.Exists(Path.Combine(statusFolder, f.Name + ".done")))
            .ToList();
        if (unarchived.Count == 0)
        {
            return null;
        }
        var name = $"{dataDirectory}.pgark-saved-wal-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var saved = name;
        for (var n = 2; Path.Exists(saved); n++)
        {
            saved = $"{name}-{n}";
        }
        Directory.CreateDirectory(saved, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in unarchived)
        {
            // A rename when pg_wal and the folder share a file system; a copy and delete when pg_wal is a link elsewhere.
            file.MoveTo(Path.Combine(saved, file.Name));
        }
        logger.LogWarning("delta restore: moved {Count} WAL files not marked as archived from {WalFolder} to {Saved}; " +
                          "delete them once you know they are not needed", unarchived.Count, walFolder, saved);
        return saved;
    }
}
