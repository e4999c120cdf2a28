using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Postgres;

/// <summary>
/// A temporary folder a backup is restored into and started from (verify-restore, database-level restore): the data
/// directory, the private socket folder, and the tablespaces, which must never be restored to the live server's
/// locations. <see cref="DisposeAsync"/> stops the cluster and deletes everything, whatever state it is in. It knows
/// clusters, not backups (the tablespace map of a backup is <c>Restore.RestoreSandboxTablespaces</c>), so that both restore
/// and logical's scratch cluster (verify_dump_restore) can use it.
/// </summary>
internal sealed class RestoreSandbox
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

    /// <summary>The backup's own settings files: repository content, so none of them is read by a sandbox.</summary>
    private static readonly string[] s_backupSettingsFiles = ["postgresql.conf", "postgresql.auto.conf", "pg_hba.conf", "pg_ident.conf"];

    /// <summary>
    /// Settings copied from the backup's files because recovery may need them to replay its WAL (a standby with fewer
    /// prepared-transaction or lock slots than the primary stops); only plain numbers are taken.
    /// </summary>
    private static readonly string[] s_recoveryCapacitySettings =
        ["max_connections", "max_prepared_transactions", "max_locks_per_transaction", "max_worker_processes", "max_wal_senders"];

    /// <summary>
    /// Replaces the restored configuration with one PgArk writes: a forged or careless backup can carry
    /// <c>shared_preload_libraries</c>, <c>archive_command</c>, <c>ssl_passphrase_command</c>, include directives or a
    /// permissive pg_hba.conf, and none of that may run on this host. Only <paramref name="recoverySettings"/> and the
    /// numeric capacities recovery needs survive; authentication is PgArk's (trust over the private 0700 socket only).
    /// </summary>
    public async Task WriteOwnConfigurationAsync(IReadOnlyList<string> recoverySettings, CancellationToken cancellationToken)
    {
        var capacities = await ReadCapacitiesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var name in s_backupSettingsFiles)
        {
            // Delete rather than overwrite: a symbolic link shipped in the backup must not redirect the write.
            File.Delete(Path.Combine(DataDirectory, name));
        }
        var hbaFile = Path.Combine(Root, "pg_hba.conf");
        var identFile = Path.Combine(Root, "pg_ident.conf");
        await File.WriteAllTextAsync(hbaFile, "local all all trust\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(identFile, "", cancellationToken).ConfigureAwait(false);
        var settings = new List<string>
        {
            "# written by pgark for a sandbox: the backup's own settings files are not used",
            "listen_addresses = ''",
            "unix_socket_permissions = 0700",
            $"hba_file = {LocalCluster.QuoteSetting(hbaFile)}",
            $"ident_file = {LocalCluster.QuoteSetting(identFile)}",
            "ssl = off",
            "ssl_passphrase_command = ''",
            "archive_mode = off",
            "archive_command = ''",
            "shared_preload_libraries = ''",
            "session_preload_libraries = ''",
            "local_preload_libraries = ''",
            "dynamic_library_path = '$libdir'",
            "logging_collector = off",
            "log_destination = 'stderr'",
            "hot_standby = off",
        };
        settings.AddRange(capacities.Select(c => $"{c.Key} = {c.Value}"));
        settings.AddRange(recoverySettings);
        var configFile = Path.Combine(DataDirectory, "postgresql.conf");
        var autoConfFile = Path.Combine(DataDirectory, "postgresql.auto.conf");
        await File.WriteAllLinesAsync(configFile, settings, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(autoConfFile, "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n",
            cancellationToken).ConfigureAwait(false);
        if (Common.Libc.IsRoot)
        {
            foreach (var file in new[] { hbaFile, identFile, configFile, autoConfFile })
            {
                LocalCluster.ChownToPostgres(file);
            }
        }
    }

    /// <summary>The <see cref="s_recoveryCapacitySettings"/> of the backup's files (auto.conf wins), plain integers only.</summary>
    private async Task<Dictionary<string, string>> ReadCapacitiesAsync(CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "postgresql.conf", "postgresql.auto.conf" })
        {
            var info = new FileInfo(Path.Combine(DataDirectory, name));
            if (!info.Exists || info.LinkTarget is not null || info.Length > 4 * 1024 * 1024)
            {
                continue;
            }
            foreach (var line in await File.ReadAllLinesAsync(info.FullName, cancellationToken).ConfigureAwait(false))
            {
                var parts = line.Split('#', 2)[0].Split('=', 2);
                if (parts.Length != 2)
                {
                    continue;
                }
                var key = parts[0].Trim();
                var value = parts[1].Trim().Trim('\'');
                if (s_recoveryCapacitySettings.Contains(key, StringComparer.Ordinal) && value.Length is > 0 and <= 9 && value.All(char.IsAsciiDigit))
                {
                    found[key] = value;
                }
            }
        }
        return found;
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
