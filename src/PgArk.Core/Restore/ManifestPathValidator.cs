using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;

namespace PgArk.Core.Restore;

/// <summary>
/// A manifest is read from the repository, which anyone with write access to it can forge: before restore or verify
/// uses a manifest, every path in it must stay inside the data directory or inside this cluster's own version folder
/// of a tablespace the manifest records. One check, called where manifests are loaded (<see cref="BackupChain"/>), so
/// restore and verify refuse the same things (exit 5) before a byte is written or an object path is built.
/// </summary>
/// <remarks>
/// Rules: a path is relative, '/'-separated, without empty, "." or ".." segments, NUL or other control characters;
/// every file's folder is a folder the manifest lists (so no file is written through a link the restore did not
/// create); under <c>pg_tblspc</c> only <c>pg_tblspc/&lt;oid&gt;</c> of a recorded tablespace, and below it only the
/// server's own <c>PG_&lt;major&gt;_&lt;catversion&gt;</c> folder; a tablespace location is an absolute, normalised path
/// that is neither inside another recorded location nor the root folder.
/// </remarks>
internal static class ManifestPathValidator
{
    public static void Validate(BackupManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var tablespaces = ValidateTablespaces(manifest);
        var versionPrefix = $"PG_{manifest.PgVersionNum / 10000}_";
        var ownFolders = new Dictionary<string, string>(StringComparer.Ordinal);
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in manifest.Directories)
        {
            CheckPath(manifest, directory.Path, tablespaces, versionPrefix, ownFolders, isFile: false);
            folders.Add(directory.Path);
        }
        foreach (var file in manifest.Files)
        {
            CheckPath(manifest, file.Path, tablespaces, versionPrefix, ownFolders, isFile: true);
            var slash = file.Path.LastIndexOf('/');
            if (slash > 0 && !folders.Contains(file.Path[..slash]))
            {
                throw Forged(manifest, file.Path, "its folder is not a folder the backup lists");
            }
        }
    }

    /// <summary>
    /// This server's own folder in a tablespace location (e.g. <c>PG_15_202209061</c>), as the manifest records it, or null
    /// when the backup has none for it (an empty tablespace). Call on a manifest <see cref="Validate"/> accepted.
    /// </summary>
    public static string? OwnTablespaceFolder(BackupManifest manifest, uint oid)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var prefix = $"pg_tblspc/{oid.ToString(CultureInfo.InvariantCulture)}/";
        return manifest.Directories.Select(d => d.Path)
            .FirstOrDefault(p => p.StartsWith(prefix, StringComparison.Ordinal) && p.IndexOf('/', prefix.Length) < 0)?[prefix.Length..];
    }

    /// <summary>True when <paramref name="path"/> is an absolute, normalised location usable as a tablespace (also for --tablespace-map).</summary>
    public static bool IsSafeLocation(string path) =>
        path.Length > 1 && path[0] == '/' && !path.EndsWith('/') && !path.Any(char.IsControl)
        && path[1..].Split('/').All(s => s.Length > 0 && s != "." && s != "..");

    private static HashSet<string> ValidateTablespaces(BackupManifest manifest)
    {
        var oids = new HashSet<string>(StringComparer.Ordinal);
        var locations = new List<string>();
        foreach (var tablespace in manifest.Tablespaces)
        {
            var subject = $"tablespace {tablespace.Oid}";
            if (!IsSafeLocation(tablespace.Location))
            {
                throw Forged(manifest, subject, $"its location '{Printable(tablespace.Location)}' is not an absolute, normalised path");
            }
            if (tablespace.Name.Any(char.IsControl))
            {
                throw Forged(manifest, subject, "its name holds control characters");
            }
            if (!oids.Add(tablespace.Oid.ToString(CultureInfo.InvariantCulture)))
            {
                throw Forged(manifest, subject, "it is listed twice");
            }
            foreach (var other in locations)
            {
                if (IsSameOrInside(tablespace.Location, other) || IsSameOrInside(other, tablespace.Location))
                {
                    throw Forged(manifest, subject, $"its location '{tablespace.Location}' overlaps the location '{other}' of " +
                        "another tablespace");
                }
            }
            locations.Add(tablespace.Location);
        }
        return oids;
    }

    private static void CheckPath(BackupManifest manifest, string path, HashSet<string> tablespaces, string versionPrefix,
        Dictionary<string, string> ownFolders, bool isFile)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw Forged(manifest, "(empty path)", "an entry has no path");
        }
        if (path.Any(char.IsControl))
        {
            throw Forged(manifest, Printable(path), "the path holds NUL or control characters");
        }
        if (path[0] == '/' || path.EndsWith('/'))
        {
            throw Forged(manifest, path, "the path is not relative to the data directory");
        }
        var segments = path.Split('/');
        if (segments.Any(s => s.Length == 0 || s == "." || s == ".."))
        {
            throw Forged(manifest, path, "the path has an empty, '.' or '..' segment and could leave the data directory");
        }
        if (segments[0] != "pg_tblspc" || segments.Length == 1)
        {
            return;
        }
        if (!tablespaces.Contains(segments[1]))
        {
            throw Forged(manifest, path, $"'pg_tblspc/{segments[1]}' is not a tablespace the backup records (its location would " +
                "be outside the recorded ones)");
        }
        if (segments.Length == 2)
        {
            if (isFile)
            {
                throw Forged(manifest, path, "a tablespace link is recorded as a file");
            }
            return;
        }
        // Below the link is the tablespace location, shared with other clusters: only this server's version folder.
        var folder = segments[2];
        if (!folder.StartsWith(versionPrefix, StringComparison.Ordinal) || !folder[versionPrefix.Length..].All(char.IsAsciiDigit)
            || folder.Length == versionPrefix.Length || (segments.Length == 3 && isFile))
        {
            throw Forged(manifest, path, $"a tablespace location may only hold this server's own {versionPrefix}<catversion> folder");
        }
        if (ownFolders.TryGetValue(segments[1], out var seen) && seen != folder)
        {
            throw Forged(manifest, path, $"tablespace {segments[1]} has two version folders ({seen} and {folder})");
        }
        ownFolders[segments[1]] = folder;
    }

    private static bool IsSameOrInside(string path, string folder) =>
        path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);

    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private static IntegrityException Forged(BackupManifest manifest, string subject, string problem) =>
        new($"manifest of backup {manifest.Id} is not safe to use: '{subject}': {problem}",
            "the manifest in the repository is damaged or forged, so nothing was restored from it; use another backup or repair " +
                "the repository");
}
