using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

/// <summary>
/// A temporary folder a backup is restored into and started from (verify-restore, database-level restore): the data
/// directory, the private socket folder, and the tablespaces, which must never be restored to the live server's
/// locations. <see cref="DisposeAsync"/> stops the cluster and deletes everything, whatever state it is in.
/// </summary>
public sealed class RestoreSandbox
{
    private RestoreSandbox(string root, ILogger logger)
    {
        Root = root;
        _logger = logger;
    }

    private readonly ILogger _logger;

    public string Root { get; }
    public string DataDirectory => Path.Combine(Root, "data");
    public string SocketDirectory => Path.Combine(Root, "run");
    public LocalCluster? Cluster { get; set; }

    /// <param name="parent">Folder to create the sandbox in (default: the system temp folder).</param>
    /// <param name="prefix">Start of the folder name, e.g. "pgark-verify-pg1".</param>
    public static RestoreSandbox Create(string? parent, string prefix, ILogger logger)
    {
        var root = Path.Combine(Path.GetFullPath(parent ?? Path.GetTempPath()), $"{prefix}-{Guid.NewGuid():N}"[..^20]);
        Directory.CreateDirectory(root);
        // PostgreSQL (as postgres when we are root) must reach its folders inside.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return new RestoreSandbox(root, logger);
    }

    /// <summary>Maps every tablespace of the backup into the sandbox (by OID), so nothing is written where the live server keeps its own.</summary>
    public IReadOnlyDictionary<string, string> TablespaceMap(Catalog.BackupManifest manifest) =>
        manifest.Tablespaces.ToDictionary(t => t.Oid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            t => Path.Combine(Root, "tablespaces", t.Oid.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// Creates the socket folder readable by its owner only: the sandbox is reached without a password, so nobody else
    /// on the machine may reach its socket.
    /// </summary>
    public void CreatePrivateSocketDirectory()
    {
        Directory.CreateDirectory(SocketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Common.Libc.IsRoot)
        {
            LocalCluster.ChownToPostgres(SocketDirectory);
        }
    }

    /// <summary>Stops the cluster (pg_ctl, else kill by pid) and deletes the folder; problems are logged, never thrown.</summary>
    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            try
            {
                await Cluster.StopAsync(CancellationToken.None, immediate: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PgArkException or IOException or InvalidOperationException)
            {
                _logger.LogWarning("unable to stop the sandbox in {Root}: {Message}", Root, ex.Message);
            }
        }
        try
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("unable to delete the sandbox {Root}: {Message}", Root, ex.Message);
        }
    }
}
