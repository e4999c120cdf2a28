using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Common;
using PgArk.Core.Configuration;

namespace PgArk.Core.Catalog;

/// <summary>
/// The <c>backup_history</c> table (seed 004's columns and more) in the catalog database: created on first use, one row per
/// recorded run. A failure here is logged and never fails the run it records.
/// </summary>
#pragma warning disable CA1001 // SemaphoreSlim needs Dispose only when its AvailableWaitHandle is used, which it never is here
internal sealed class BackupHistoryTable(CatalogOptions options, ILogger logger)
#pragma warning restore CA1001
{
    private readonly string _table = QuoteIdentifier(options.Table);
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private bool _created;

    /// <summary>Whether the table has the <c>store</c> column (added after the first release; see <see cref="EnsureStoreColumnAsync"/>).</summary>
    private bool _hasStore;

    public static string CreateSql(string quotedTable) => $"""
        CREATE TABLE IF NOT EXISTS {quotedTable} (
            id               bigserial PRIMARY KEY,
            backup_id        varchar(255),
            backup_type      varchar(50) NOT NULL,
            "timestamp"      timestamptz NOT NULL,
            size_bytes       bigint,
            checksum         varchar(64),
            status           varchar(20) NOT NULL,
            error_message    text,
            created_at       timestamptz NOT NULL DEFAULT now(),
            run_id           varchar(100) NOT NULL UNIQUE,
            server           varchar(63),
            operation        varchar(50) NOT NULL,
            database_name    varchar(63),
            label            text,
            origin           varchar(20) NOT NULL,
            schedule_key     varchar(200),
            started_at       timestamptz NOT NULL,
            finished_at      timestamptz NOT NULL,
            duration_seconds double precision NOT NULL,
            stored_bytes     bigint,
            start_lsn        pg_lsn,
            stop_lsn         pg_lsn,
            host             varchar(255) NOT NULL,
            pid              integer NOT NULL,
            store            varchar(63)
        );
        CREATE INDEX IF NOT EXISTS {QuoteIdentifier("idx_" + Unquote(quotedTable) + "_timestamp")} ON {quotedTable} ("timestamp");
        CREATE INDEX IF NOT EXISTS {QuoteIdentifier("idx_" + Unquote(quotedTable) + "_type")} ON {quotedTable} (backup_type);
        CREATE INDEX IF NOT EXISTS {QuoteIdentifier("idx_" + Unquote(quotedTable) + "_status")} ON {quotedTable} (status);
        """;

    public async Task InsertAsync(OperationRunRecord record, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            var builder = new NpgsqlConnectionStringBuilder(options.Connection) { Timeout = 5, CommandTimeout = 10, ApplicationName = "pgark" };
            var connection = new NpgsqlConnection(builder.ConnectionString);
            await using var connectionScope = connection.ConfigureAwait(false);
            await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
            await EnsureTableAsync(connection, timeout.Token).ConfigureAwait(false);
            var command = new NpgsqlCommand($"""
                INSERT INTO {_table} (backup_id, backup_type, "timestamp", size_bytes, checksum, status, error_message, run_id, server,
                    operation, database_name, label, origin, schedule_key, started_at, finished_at, duration_seconds, stored_bytes,
                    start_lsn, stop_lsn, host, pid{(_hasStore ? ", store" : "")})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $3, $15, $16, $17, $18::pg_lsn, $19::pg_lsn, $20, $21{(_hasStore ? ", $22" : "")})
                ON CONFLICT (run_id) DO NOTHING
                """, connection);
            await using var commandScope = command.ConfigureAwait(false);
            object Value(object? value) => value ?? DBNull.Value;
            foreach (var value in new[]
                     {
                         Value(record.BackupId), record.Type ?? record.Operation, record.StartedAt.UtcDateTime, Value(record.SizeBytes),
                         Value(record.Checksum), record.Status, Value(record.Error), record.RunId, Value(record.Server), record.Operation,
                         Value(record.Database), Value(record.Label), record.Origin, Value(record.ScheduleKey), record.FinishedAt.UtcDateTime,
                         record.DurationSeconds, Value(record.StoredBytes), Value(record.StartLsn), Value(record.StopLsn), record.Host,
                         record.ProcessId,
                     }.Concat(_hasStore ? [Value(record.Store)] : []))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }
            await command.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException or ArgumentException or TimeoutException)
        {
            Log.HistoryRowNotWritten(logger, record.Operation, record.Server, options.Table, Redaction.Redact(ex.Message));
        }
    }

    private async Task EnsureTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }
        await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_created)
            {
                var command = new NpgsqlCommand(CreateSql(_table), connection);
                await using var commandScope = command.ConfigureAwait(false);
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    // Another process created it at the same moment (IF NOT EXISTS is not race-free in PostgreSQL).
                }
                _hasStore = await EnsureStoreColumnAsync(connection, cancellationToken).ConfigureAwait(false);
                _created = true;
            }
        }
        finally
        {
            _createGate.Release();
        }
    }

    /// <summary>
    /// A table created by an earlier PgArk has no <c>store</c> column: it is added (<c>ADD COLUMN IF NOT EXISTS</c>, nullable,
    /// so existing rows and readers are unaffected). When that is not allowed (the catalog user does not own the table), rows
    /// are written without it and a warning says so, rather than losing every row.
    /// </summary>
    private async Task<bool> EnsureStoreColumnAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'store' AND NOT attisdropped)", connection);
        await using var probeScope = probe.ConfigureAwait(false);
        probe.Parameters.Add(new NpgsqlParameter { Value = _table });
        if (await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
        {
            return true;
        }
        var alter = new NpgsqlCommand($"ALTER TABLE {_table} ADD COLUMN IF NOT EXISTS store varchar(63)", connection);
        await using var alterScope = alter.ConfigureAwait(false);
        try
        {
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException ex)
        {
            Log.HistoryStoreColumnNotAdded(logger, options.Table, Redaction.Redact(ex.MessageText));
            return false;
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Unquote(string quoted) => quoted[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
}
