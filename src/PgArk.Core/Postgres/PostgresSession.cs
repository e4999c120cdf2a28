using System.Globalization;
using Npgsql;
using PgArk.Core.Errors;

namespace PgArk.Core.Postgres;

/// <summary>
/// One connection to a managed PostgreSQL server and the version-aware SQL PgArk needs (13–17). A non-exclusive
/// backup must start and stop in the same session, so the backup runner keeps one of these open throughout.
/// </summary>
public sealed class PostgresSession : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private PostgresSession(NpgsqlConnection connection, string serverName)
    {
        _connection = connection;
        ServerName = serverName;
    }

    public string ServerName { get; }

    public int VersionNum { get; private set; }

    public static async Task<PostgresSession> OpenAsync(string serverName, string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "pgark",
            Pooling = false,
            // A backup session can sit idle for minutes while files are copied.
            CommandTimeout = 0,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new OperationFailedException($"unable to connect to server '{serverName}': {ex.Message}",
                "check the server's 'connection' in pgark.yaml and that PostgreSQL is running", ex);
        }
        var session = new PostgresSession(connection, serverName);
        session.VersionNum = await session.ScalarAsync<int>("SELECT current_setting('server_version_num')::int", cancellationToken)
            .ConfigureAwait(false);
        if (session.VersionNum < 130000)
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw new RefusedException($"server '{serverName}' runs PostgreSQL {session.VersionNum / 10000}; pgark supports 13 and later");
        }
        return session;
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var command = CreateCommand(sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var value = await Run(() => command.ExecuteScalarAsync(cancellationToken), sql).ConfigureAwait(false);
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of a query, each as its column values (DBNull becomes null).</summary>
    public async Task<IReadOnlyList<object?[]>> QueryAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var command = CreateCommand(sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        return await Run(async () =>
        {
            var rows = new List<object?[]>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }
                rows.Add(row);
            }
            return rows;
        }, sql).ConfigureAwait(false);
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var command = CreateCommand(sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        await Run(() => command.ExecuteNonQueryAsync(cancellationToken), sql).ConfigureAwait(false);
    }

    /// <summary>Facts about the cluster that every physical operation checks.</summary>
    public async Task<ClusterFacts> GetClusterFactsAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT (SELECT system_identifier FROM pg_control_system())::text,
                   current_setting('data_directory'),
                   current_setting('data_checksums') = 'on',
                   (SELECT setting::bigint * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN '8kB' THEN 8192 WHEN 'MB' THEN 1048576 ELSE 1 END
                      FROM pg_settings WHERE name = 'wal_segment_size'),
                   current_setting('wal_level'),
                   current_setting('archive_mode'),
                   current_setting('archive_command'),
                   pg_is_in_recovery(),
                   (SELECT timeline_id FROM pg_control_checkpoint()),
                   current_setting('wal_log_hints') = 'on'
            """;
        var command = CreateCommand(sql, []);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await Run(() => command.ExecuteReaderAsync(cancellationToken), sql).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ClusterFacts(
            SystemIdentifier: ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
            DataDirectory: reader.GetString(1),
            DataChecksums: reader.GetBoolean(2),
            WalSegmentSize: reader.GetInt64(3),
            WalLevel: reader.GetString(4),
            ArchiveMode: reader.GetString(5),
            ArchiveCommand: reader.GetString(6),
            InRecovery: reader.GetBoolean(7),
            Timeline: (uint)reader.GetInt32(8),
            VersionNum: VersionNum,
            WalLogHints: reader.GetBoolean(9));
    }

    public async Task<IReadOnlyList<TablespaceInfo>> GetTablespacesAsync(CancellationToken cancellationToken)
    {
        const string sql = "SELECT oid::bigint, spcname, pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY oid";
        var command = CreateCommand(sql, []);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await Run(() => command.ExecuteReaderAsync(cancellationToken), sql).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var result = new List<TablespaceInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new TablespaceInfo((uint)reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }
        return result;
    }

    /// <summary>Starts a non-exclusive backup in this session (pg_backup_start on 15+, pg_start_backup before).</summary>
    public async Task<Lsn> BackupStartAsync(string label, bool fastCheckpoint, CancellationToken cancellationToken)
    {
        var sql = VersionNum >= 150000
            ? "SELECT pg_backup_start($1, $2)::text"
            : "SELECT pg_start_backup($1, $2, false)::text";
        return Lsn.Parse(await ScalarAsync<string>(sql, cancellationToken, label, fastCheckpoint).ConfigureAwait(false));
    }

    /// <summary>
    /// Stops the backup. PostgreSQL switches to a new WAL segment and, with <paramref name="waitForArchive"/>, waits until
    /// archive_command has succeeded for the last segment the backup needs.
    /// </summary>
    public async Task<BackupStopResult> BackupStopAsync(bool waitForArchive, CancellationToken cancellationToken)
    {
        var sql = VersionNum >= 150000
            ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop($1)"
            : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, $1)";
        var command = CreateCommand(sql, [waitForArchive]);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await Run(() => command.ExecuteReaderAsync(cancellationToken), sql).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new BackupStopResult(
            Lsn.Parse(reader.GetString(0)),
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task<Lsn> CurrentLsnAsync(CancellationToken cancellationToken) =>
        Lsn.Parse(await ScalarAsync<string>("SELECT pg_current_wal_lsn()::text", cancellationToken).ConfigureAwait(false));

    /// <summary>The next transaction id to be assigned (xid8 as a number).</summary>
    public async Task<ulong> NextXidAsync(CancellationToken cancellationToken) =>
        ulong.Parse(await ScalarAsync<string>("SELECT pg_snapshot_xmax(pg_current_snapshot())::text", cancellationToken).ConfigureAwait(false),
            CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a record and switches WAL so the current segment is handed to archive_command; returns the name of the
    /// segment that was closed.
    /// </summary>
    public async Task<string> SwitchWalAsync(CancellationToken cancellationToken)
    {
        // pg_switch_wal does nothing on an idle segment; a restore point guarantees there is something to switch.
        await ExecuteAsync("SELECT pg_create_restore_point('pgark check')", cancellationToken).ConfigureAwait(false);
        return await ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())", cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private NpgsqlCommand CreateCommand(string sql, object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, _connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }
        return command;
    }

    private async Task<T> Run<T>(Func<Task<T>> action, string sql)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            var what = sql.Split('(', 2)[0].Replace("SELECT", "", StringComparison.Ordinal).Trim();
            throw new OperationFailedException($"server '{ServerName}': {ex.MessageText} (while running {what})",
                ex.Hint, ex);
        }
        catch (NpgsqlException ex)
        {
            throw new OperationFailedException($"server '{ServerName}': {ex.Message}", null, ex);
        }
    }
}

public sealed record ClusterFacts(
    ulong SystemIdentifier,
    string DataDirectory,
    bool DataChecksums,
    long WalSegmentSize,
    string WalLevel,
    string ArchiveMode,
    string ArchiveCommand,
    bool InRecovery,
    uint Timeline,
    int VersionNum,
    bool WalLogHints);

public sealed record TablespaceInfo(uint Oid, string Name, string Location);

/// <param name="LabelFile">Content for backup_label in the restored data directory.</param>
/// <param name="TablespaceMapFile">Content for tablespace_map (null or empty when there are no tablespaces).</param>
public sealed record BackupStopResult(Lsn StopLsn, string LabelFile, string? TablespaceMapFile);
