using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

/// <summary>
/// A delta restore rewrites and removes files in folders that already exist, so it first proves they belong to the
/// backed-up cluster. Every check runs before anything is written; a refusal (exit 4) leaves every folder as it was.
/// </summary>
/// <remarks>
/// The data directory must hold <c>PG_VERSION</c> of the backup's major version and, when <c>global/pg_control</c> is
/// there, the backup's system identifier; it must not hold <c>postmaster.pid</c> (a running or crashed server). A
/// tablespace location is shared by every cluster that uses it, so only this server's <c>PG_&lt;major&gt;_&lt;catversion&gt;</c>
/// folder is ever touched, and only when the data directory's own <c>pg_tblspc/&lt;oid&gt;</c> link already points at
/// that location (otherwise a cluster of the same major version could own the folder). A location changed with
/// --tablespace-map must be empty, as in a plain restore, unless that link proves it is this cluster's.
/// </remarks>
internal static class DeltaRestoreGuard
{
    public static async Task CheckDataDirectoryAsync(string dataDirectory, BackupManifest manifest, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) || new FileInfo(pidFile).LinkTarget is not null)
        {
            throw new RefusedException($"unable to delta-restore into '{dataDirectory}': postmaster.pid exists, so PostgreSQL is " +
                "running there or did not shut down cleanly",
                "stop the server cleanly (pg_ctl stop); if it crashed and no postgres process uses the folder, remove " +
                    "postmaster.pid yourself");
        }
        var versionFile = new FileInfo(Path.Combine(dataDirectory, "PG_VERSION"));
        if (!versionFile.Exists || versionFile.LinkTarget is not null)
        {
            throw new RefusedException($"unable to delta-restore into '{dataDirectory}': it is not empty and holds no PG_VERSION, " +
                "so it is not a PostgreSQL data directory",
                "a delta restore only rewrites a data directory of the backed-up cluster; restore into an empty or new folder instead");
        }
        var major = (manifest.PgVersionNum / 10000).ToString(CultureInfo.InvariantCulture);
        var version = (await File.ReadAllTextAsync(versionFile.FullName, cancellationToken).ConfigureAwait(false)).Trim();
        if (version != major)
        {
            throw new RefusedException($"unable to delta-restore into '{dataDirectory}': it is a PostgreSQL {version} data " +
                $"directory, the backup is of PostgreSQL {major}",
                "restore into an empty or new folder instead");
        }
        var controlPath = Path.Combine(dataDirectory, "global", "pg_control");
        if (!File.Exists(controlPath))
        {
            return;
        }
        ControlFile control;
        try
        {
            control = await ControlFile.ReadAsync(controlPath, TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new RefusedException($"unable to delta-restore into '{dataDirectory}': {ex.Message}, so the cluster it belongs " +
                "to is unknown",
                "restore into an empty or new folder instead");
        }
        if (control.SystemIdentifier != manifest.SystemIdentifier)
        {
            throw new RefusedException(
                $"unable to delta-restore into '{dataDirectory}': it belongs to the cluster with system identifier " +
                    $"{control.SystemIdentifier}, the backup to {manifest.SystemIdentifier}",
                "a delta restore only rewrites a data directory of the backed-up cluster; restore into an empty or new folder instead");
        }
    }

    /// <summary>Checks each tablespace location the restore will use (oid → location).</summary>
    public static void CheckTablespaces(string dataDirectory, BackupManifest manifest, IReadOnlyDictionary<uint, string> targets)
    {
        foreach (var tablespace in manifest.Tablespaces)
        {
            var location = targets[tablespace.Oid];
            if (File.Exists(location))
            {
                throw new RefusedException($"unable to restore tablespace '{tablespace.Name}' into '{location}': it is a file, " +
                    "not a directory");
            }
            if (!Directory.Exists(location) || !Directory.EnumerateFileSystemEntries(location).Any())
            {
                continue;
            }
            var link = new FileInfo(Path.Combine(dataDirectory, "pg_tblspc", tablespace.Oid.ToString(CultureInfo.InvariantCulture)));
            var ours = link.LinkTarget is { } target && Path.GetFullPath(target, Path.GetDirectoryName(link.FullName)!) == location;
            if (ours)
            {
                continue;
            }
            if (location != tablespace.Location)
            {
                throw new RefusedException($"unable to restore tablespace '{tablespace.Name}' into '{location}': the " +
                    "--tablespace-map target is not empty",
                    "map the tablespace to an empty or new folder");
            }
            var own = ManifestPathValidator.OwnTablespaceFolder(manifest, tablespace.Oid);
            if (own is not null && Path.Exists(Path.Combine(location, own)))
            {
                throw new RefusedException(
                    $"unable to delta-restore tablespace '{tablespace.Name}': '{Path.Combine(location, own)}' exists but " +
                        $"'{link.FullName}' does not link to '{location}', so another cluster may own it",
                    "map the tablespace to an empty folder with --tablespace-map, or move that folder aside if it is a leftover");
            }
        }
    }
}
