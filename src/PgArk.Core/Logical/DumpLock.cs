using PgArk.Core.Catalog;

namespace PgArk.Core.Logical;

/// <summary>
/// The server's "dump" lock: held while a dump is written and while dumps are deleted (delete, expire), so a retention
/// run never plans against a dump that is being written or removed by someone else. Physical backups take the separate
/// "backup" lock, so a dump and a backup of one server may run at the same time.
/// </summary>
internal static class DumpLock
{
    public const string Purpose = "dump";

    /// <param name="lockFolder">The configured <c>lockPath</c>.</param>
    public static Task<ServerLock> AcquireAsync(string lockFolder, string server, CancellationToken cancellationToken) =>
        ServerLock.AcquireAsync(lockFolder, server, Purpose, cancellationToken);
}
