using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

/// <summary>The part of a <see cref="RestoreSandbox"/> that knows backups.</summary>
internal static class RestoreSandboxTablespaces
{
    /// <summary>Maps every tablespace of the backup into the sandbox (by OID), so nothing is written where the live server keeps its own.</summary>
    public static IReadOnlyDictionary<string, string> TablespaceMap(this RestoreSandbox sandbox, BackupManifest manifest) =>
        manifest.Tablespaces.ToDictionary(t => t.Oid.ToString(CultureInfo.InvariantCulture),
            t => Path.Combine(sandbox.Root, "tablespaces", t.Oid.ToString(CultureInfo.InvariantCulture)));
}
