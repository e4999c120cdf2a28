using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Operations;

/// <summary>
/// Where a restore may write, by caller. Local callers (the CLI) may restore anywhere they can write. Remote callers (REST,
/// MCP) may target only the server's own <c>pgdata</c> — with delta only while the server is stopped — or a folder strictly
/// inside one of <c>restore.roots</c>; anything else is refused before a file is touched. Paths are compared after every
/// existing symbolic link is resolved, so a link inside a root cannot lead out of it.
/// </summary>
public static class RestoreTargetPolicy
{
    /// <summary>Refuses (<see cref="PermissionDeniedException"/>) a target <paramref name="caller"/> may not restore into.</summary>
    public static void Check(OperationCaller caller, PgArkOptions options, ServerOptions server, string dataDirectory, bool delta)
    {
        if (caller == OperationCaller.Local)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(dataDirectory) || dataDirectory.Contains('\0', StringComparison.Ordinal)
            || !Path.IsPathFullyQualified(dataDirectory))
        {
            throw Denied(dataDirectory, options, "it is not an absolute path");
        }
        var target = Canonical(dataDirectory);
        if (target == Canonical(server.PgData))
        {
            if (delta && File.Exists(Path.Combine(target, "postmaster.pid")))
            {
                throw new PermissionDeniedException($"refusing a delta restore into '{dataDirectory}': server '{server.Name}' is running there",
                    "stop the server first (pg_ctl stop); a delta restore rewrites its data directory");
            }
            return;
        }
        var root = options.Restore.Roots.Select(Canonical).FirstOrDefault(r => IsInside(r, target));
        if (root is null)
        {
            throw Denied(dataDirectory, options, "it is neither the server's pgdata nor inside a folder listed under restore.roots");
        }
        // A root that (wrongly) holds a live data directory or a repository must not let a restore overwrite it.
        if (ProtectedPaths(options).FirstOrDefault(p => p == target || IsInside(target, p) || IsInside(p, target)) is { } hit)
        {
            throw Denied(dataDirectory, options, $"it overlaps '{hit}', which PgArk uses");
        }
    }

    /// <summary>
    /// Refuses a tablespace location a remote <paramref name="caller"/> may not write to: each must be inside one of
    /// <c>restore.roots</c> (clear of every path PgArk uses), or — when restoring into the server's own pgdata — one of the
    /// tablespace locations that pgdata links to today (<c>pg_tblspc</c>). The manifest's recorded locations are repository
    /// content, so they get no more trust than a path given by the caller.
    /// </summary>
    public static void CheckTablespaces(OperationCaller caller, PgArkOptions options, ServerOptions server, string dataDirectory,
        IReadOnlyCollection<string> locations)
    {
        if (caller == OperationCaller.Local || locations.Count == 0)
        {
            return;
        }
        var ownLocations = Canonical(dataDirectory) == Canonical(server.PgData) ? TablespaceLinks(server.PgData) : [];
        var roots = options.Restore.Roots.Select(Canonical).ToList();
        foreach (var location in locations)
        {
            if (string.IsNullOrWhiteSpace(location) || location.Contains('\0', StringComparison.Ordinal) || !Path.IsPathFullyQualified(location))
            {
                throw TablespaceDenied(location, options, "it is not an absolute path");
            }
            var target = Canonical(location);
            if (ownLocations.Contains(target))
            {
                continue;
            }
            if (!roots.Any(r => IsInside(r, target)))
            {
                throw TablespaceDenied(location, options,
                    "it is neither a tablespace of the server's pgdata nor inside a folder listed under restore.roots");
            }
            if (ProtectedPaths(options).FirstOrDefault(p => p == target || IsInside(target, p) || IsInside(p, target)) is { } hit)
            {
                throw TablespaceDenied(location, options, $"it overlaps '{hit}', which PgArk uses");
            }
        }
    }

    /// <summary>Every data directory, tablespace location of a configured server, posix repository and the lock folder (canonical).</summary>
    private static IEnumerable<string> ProtectedPaths(PgArkOptions options) =>
        options.Servers.Select(s => s.PgData)
            .Concat(options.Servers.SelectMany(s => TablespaceLinks(s.PgData)))
            .Concat(options.Repositories.Where(r => r.Type == RepositoryType.Posix).Select(r => r.Path))
            .Concat([options.LockPath])
            .Select(Canonical);

    /// <summary>Where the links in <c>pgdata/pg_tblspc</c> lead today (canonical), empty when there are none.</summary>
    private static HashSet<string> TablespaceLinks(string pgdata)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var folder = Path.Combine(pgdata, "pg_tblspc");
        try
        {
            if (!Directory.Exists(folder))
            {
                return found;
            }
            foreach (var link in Directory.EnumerateFileSystemEntries(folder))
            {
                if (new FileInfo(link).LinkTarget is { } linkTarget)
                {
                    found.Add(Canonical(Path.IsPathFullyQualified(linkTarget) ? linkTarget : Path.Combine(folder, linkTarget)));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An unreadable pgdata has no tablespace we can vouch for.
        }
        return found;
    }

    private static PermissionDeniedException TablespaceDenied(string given, PgArkOptions options, string why) =>
        new($"refusing to restore a tablespace into '{Shorten(given)}' for an API caller: {why}",
            options.Restore.Roots.Count == 0
                ? "list folders under restore.roots in pgark.yaml to let API restores place tablespaces there, or use the CLI with --tablespace-map"
                : $"API restores may place tablespaces inside: {string.Join(", ", options.Restore.Roots)}");

    private static PermissionDeniedException Denied(string given, PgArkOptions options, string why) =>
        new($"refusing to restore into '{Shorten(given)}' for an API caller: {why}",
            options.Restore.Roots.Count == 0
                ? "API restores may target the server's pgdata only; list folders under restore.roots in pgark.yaml to allow more, or use the CLI"
                : $"API restores may target the server's pgdata or a new folder inside: {string.Join(", ", options.Restore.Roots)}");

    /// <summary>The full path with every existing symbolic link resolved (the missing tail is appended as given).</summary>
    private static string Canonical(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var existing = full;
        var tail = new Stack<string>();
        string? real;
        while ((real = ExportFolder.RealPath(existing)) is null)
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return full;
            }
            tail.Push(Path.GetFileName(existing));
            existing = parent;
        }
        return tail.Aggregate(real, Path.Combine);
    }

    private static bool IsInside(string root, string path) =>
        path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    private static string Shorten(string value) => value.Length <= 200 ? value : value[..200] + "…";
}
