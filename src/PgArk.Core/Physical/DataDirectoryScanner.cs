using System.Text.RegularExpressions;
using PgArk.Core.Postgres;

namespace PgArk.Core.Physical;

/// <summary>A file the backup will copy.</summary>
/// <param name="RelativePath">'/'-separated, relative to the data directory (tablespaces under pg_tblspc/&lt;oid&gt;/).</param>
/// <param name="IsRelation">True for relation data files in a database folder: their pages are checksum-verified.</param>
internal sealed record SourceFile(string RelativePath, string FullPath, long Size, long ModifiedAt, int Mode, RelationFileName? Relation);

internal sealed record SourceDirectory(string RelativePath, int Mode);

/// <param name="WalLink">Where pg_wal points (absolute) when it is a symbolic link, as initdb --waldir makes it.</param>
internal sealed record DataDirectoryContent(IReadOnlyList<SourceFile> Files, IReadOnlyList<SourceDirectory> Directories, string? WalLink = null);

/// <summary>
/// Lists what a base backup must copy, applying the exclusions PostgreSQL documents for base backups ("Making a Base
/// Backup Using the Low Level API" and the BASE_BACKUP protocol command): WAL, runtime-only folders, temporary files,
/// unlogged relations' non-init forks, and server-owned files such as postmaster.pid.
/// </summary>
internal static partial class DataDirectoryScanner
{
    // Folders whose contents are runtime state: the folder is kept (PostgreSQL expects it) but nothing in it.
    private static readonly HashSet<string> s_emptiedFolders = new(StringComparer.Ordinal)
    {
        "pg_wal", "pg_dynshmem", "pg_notify", "pg_replslot", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans",
    };

    private static readonly HashSet<string> s_excludedTopFiles = new(StringComparer.Ordinal)
    {
        "postmaster.pid", "postmaster.opts", "backup_label", "backup_label.old", "tablespace_map", "backup_manifest",
        "recovery.signal", "standby.signal", "postgresql.auto.conf.tmp", "current_logfiles.tmp", "recovery.done",
    };

    // PgArk's own spools (asynchronous archiving statuses, restore prefetch): local state of this cluster's archiving or
    // recovery, never part of a backup (a restored "ok" status would claim segments archived that the copy never pushed).
    private static readonly HashSet<string> s_excludedTopFolders = new(StringComparer.Ordinal)
    {
        Configuration.ArchiveOptions.DefaultSpoolFolderName, Wal.WalPrefetchSpool.FolderName,
    };

    public static DataDirectoryContent Scan(string dataDirectory, IReadOnlyList<TablespaceInfo> tablespaces, int pgVersionNum)
    {
        var files = new List<SourceFile>();
        var directories = new List<SourceDirectory>();
        var tablespaceOids = tablespaces.Select(t => t.Oid.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
        var versionPrefix = $"PG_{pgVersionNum / 10000}_";
        string? walLink = null;

        Walk(new DirectoryInfo(dataDirectory), "", inDatabaseFolder: false);
        return new DataDirectoryContent(files, directories, walLink);

        void Walk(DirectoryInfo folder, string relative, bool inDatabaseFolder)
        {
            FileSystemInfo[] entries;
            try
            {
                entries = folder.GetFileSystemInfos();
            }
            catch (DirectoryNotFoundException)
            {
                return; // dropped while we looked (e.g. a database being dropped)
            }
            var unloggedNodes = inDatabaseFolder ? FindUnloggedRelations(entries) : null;
            Array.Sort(entries, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var entry in entries)
            {
                var name = entry.Name;
                var path = relative.Length == 0 ? name : $"{relative}/{name}";
                if (name.StartsWith("pgsql_tmp", StringComparison.Ordinal) || name == "pg_internal.init")
                {
                    continue;
                }
                if (relative.Length == 0 && (s_excludedTopFiles.Contains(name) || s_excludedTopFolders.Contains(name)))
                {
                    continue;
                }
                if (relative == "pg_tblspc" && tablespaceOids.Contains(name))
                {
                    // A tablespace link: recorded as a folder; its content is the version folder of this server only.
                    directories.Add(new SourceDirectory(path, 0x1C0));
                    var target = new DirectoryInfo(Path.Combine(folder.FullName, name));
                    foreach (var versionFolder in SafeList(target).OfType<DirectoryInfo>())
                    {
                        if (versionFolder.Name.StartsWith(versionPrefix, StringComparison.Ordinal))
                        {
                            directories.Add(new SourceDirectory($"{path}/{versionFolder.Name}", ModeOf(versionFolder)));
                            foreach (var database in SafeList(versionFolder).OfType<DirectoryInfo>())
                            {
                                var databasePath = $"{path}/{versionFolder.Name}/{database.Name}";
                                directories.Add(new SourceDirectory(databasePath, ModeOf(database)));
                                Walk(database, databasePath, inDatabaseFolder: true);
                            }
                        }
                    }
                    continue;
                }
                if (relative.Length == 0 && name == "pg_wal" && entry.LinkTarget is not null && Directory.Exists(entry.FullName))
                {
                    // initdb --waldir: pg_wal is a link elsewhere. The restored cluster needs the folder all the same
                    // (restore recreates the link, or makes one elsewhere with --waldir).
                    walLink = Path.GetFullPath(entry.LinkTarget, dataDirectory).TrimEnd('/');
                    directories.Add(new SourceDirectory("pg_wal", 0x1C0));
                    directories.Add(new SourceDirectory("pg_wal/archive_status", 0x1C0));
                    continue;
                }
                if (entry is DirectoryInfo directory && entry.LinkTarget is null)
                {
                    directories.Add(new SourceDirectory(path, ModeOf(directory)));
                    if (relative.Length == 0 && s_emptiedFolders.Contains(name))
                    {
                        // pg_wal/archive_status must exist for the restored server to archive.
                        if (name == "pg_wal")
                        {
                            directories.Add(new SourceDirectory("pg_wal/archive_status", 0x1C0));
                        }
                        continue;
                    }
                    var isDatabaseFolder = path == "global" || (relative == "base" && IsDigits(name));
                    Walk(directory, path, isDatabaseFolder);
                }
                else if (entry is FileInfo file)
                {
                    RelationFileName? relation = null;
                    if (inDatabaseFolder && RelationFileName.TryParse(name, out var parsed))
                    {
                        if (unloggedNodes!.Contains(parsed.RelFileNode) && parsed.Fork != RelationFork.Init)
                        {
                            continue;
                        }
                        relation = parsed;
                    }
                    else if (inDatabaseFolder && TemporaryRelation().IsMatch(name))
                    {
                        continue;
                    }
                    try
                    {
                        var target = entry.LinkTarget is null ? file : (FileInfo?)file.ResolveLinkTarget(returnFinalTarget: true);
                        if (target is null || !target.Exists)
                        {
                            continue;
                        }
                        files.Add(new SourceFile(path, target.FullName, target.Length, new DateTimeOffset(target.LastWriteTimeUtc).ToUnixTimeSeconds(),
                            ModeOf(target), relation));
                    }
                    catch (FileNotFoundException)
                    {
                        // Removed between listing and stat: nothing to back up.
                    }
                }
            }
        }
    }

    private static HashSet<uint> FindUnloggedRelations(FileSystemInfo[] entries)
    {
        var result = new HashSet<uint>();
        foreach (var entry in entries)
        {
            if (RelationFileName.TryParse(entry.Name, out var relation) && relation.Fork == RelationFork.Init)
            {
                result.Add(relation.RelFileNode);
            }
        }
        return result;
    }

    private static FileSystemInfo[] SafeList(DirectoryInfo folder)
    {
        try
        {
            return folder.GetFileSystemInfos();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private static int ModeOf(FileSystemInfo info) => OperatingSystem.IsWindows() ? 0x180 : (int)info.UnixFileMode;

    private static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    [GeneratedRegex("^t[0-9]+_[0-9]+(_(fsm|vm|init))?(\\.[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryRelation();
}
