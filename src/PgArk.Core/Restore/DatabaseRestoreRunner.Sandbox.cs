using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

internal sealed partial class DatabaseRestoreRunner
{
    /// <summary>Starts the sandbox, waits until it has promoted, and checks the point recovery reached.</summary>
    private async Task<(DateTimeOffset? Time, string? Lsn)> RecoverAsync(RestoreSandbox sandbox, PgInstallation installation, DatabaseRestorePlan plan,
        CancellationToken cancellationToken)
    {
        // RestoreInSandboxAsync replaced the backup's settings files (trust over the private socket only, no archiving).
        sandbox.CreatePrivateSocketDirectory();
        var cluster = LocalCluster.Attach(installation, sandbox.DataDirectory, sandbox.SocketDirectory);
        // The sandbox is a copy of the live cluster: its roles are the live server's, so PgArk connects as the configured user.
        cluster.Username = new NpgsqlConnectionStringBuilder(server.Connection).Username is { Length: > 0 } user ? user : "postgres";
        sandbox.Cluster = cluster;
        await cluster.StartAsync(cancellationToken, RecoveryTimeout, new Dictionary<string, string> { ["archive_mode"] = "off" }).ConfigureAwait(false);
        await cluster.WaitUntilPrimaryAsync(RecoveryTimeout, cancellationToken).ConfigureAwait(false);

        var connection = await OpenSandboxAsync(cluster, "postgres", cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        DateTimeOffset? reachedTime = null;
        string? reachedLsn = null;
        var command = new NpgsqlCommand("SELECT pg_last_xact_replay_timestamp(), pg_last_wal_replay_lsn()::text", connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            reachedTime = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
            reachedLsn = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        if (plan.TargetTime is { } target && reachedTime > target)
        {
            throw new IntegrityException(
                $"recovery replayed a commit at {DatabaseRestorePlanner.Format(reachedTime.Value)}, after the target {DatabaseRestorePlanner.Format(target)}");
        }
        var properties = await DatabaseProperties.ReadAsync(connection, plan.Database, cancellationToken).ConfigureAwait(false);
        if (properties is null)
        {
            throw new NotFoundException($"database '{plan.Database}' did not exist on server '{server.Name}' at {plan.Target}");
        }
        if (properties.ConnectionLimit == DatabaseProperties.InvalidConnectionLimit)
        {
            // DROP DATABASE removes the files when its WAL is replayed, before its commit: recovery stopping at the next
            // commit after the target still replays a drop that started in between.
            throw new NotFoundException(
                $"database '{plan.Database}' of server '{server.Name}' was being dropped when recovery stopped (at the first commit after {plan.Target})",
                "choose a target before the DROP DATABASE such that another transaction committed between the target and the drop");
        }
        logger.LogInformation("sandbox recovered to {Time} (LSN {Lsn})", reachedTime, reachedLsn);
        return (reachedTime, reachedLsn);
    }

    /// <summary>Creates the copy on the live server and fills it from the sandbox; returns the fingerprints of the sandbox's tables.</summary>
    private async Task<IReadOnlyList<TableFingerprint>> CopyIntoLiveAsync(RestoreSandbox sandbox, DatabaseMover mover, DatabaseRestorePlan plan, string copy,
        int jobs, CancellationToken cancellationToken)
    {
        var cluster = sandbox.Cluster!;
        var source = await OpenSandboxAsync(cluster, plan.Database, cancellationToken).ConfigureAwait(false);
        await using var sourceScope = source.ConfigureAwait(false);
        var properties = (await DatabaseProperties.ReadAsync(source, plan.Database, cancellationToken).ConfigureAwait(false))!;
        var expected = await TableContent.FingerprintAllAsync(source, cancellationToken).ConfigureAwait(false);

        var maintenance = await mover.OpenLiveAsync(mover.MaintenanceDatabase(plan.Database), cancellationToken).ConfigureAwait(false);
        await using (maintenance.ConfigureAwait(false))
        {
            var tablespaceExists = await DatabaseMover.ScalarAsync<long>(maintenance, "SELECT count(*) FROM pg_tablespace WHERE spcname = $1",
                properties.Tablespace, cancellationToken).ConfigureAwait(false) > 0;
            await mover.ExecuteAsync(maintenance, properties.CreateStatement(copy, maintenance.PostgreSqlVersion.Major, tablespaceExists), cancellationToken)
                .ConfigureAwait(false);
        }
        await mover.CopyParallelAsync(SandboxConnInfo(cluster, plan.Database), copy, Path.Combine(sandbox.Root, "move"), jobs, cancellationToken)
            .ConfigureAwait(false);
        var target = await mover.OpenLiveAsync(copy, cancellationToken).ConfigureAwait(false);
        await using (target.ConfigureAwait(false))
        {
            foreach (var statement in properties.AfterStatements(copy))
            {
                await mover.ExecuteAsync(target, statement, cancellationToken).ConfigureAwait(false);
            }
            // pg_restore leaves the planner without statistics; the database is about to take the live one's place.
            await mover.ExecuteAsync(target, "ANALYZE", cancellationToken).ConfigureAwait(false);
        }
        return expected;
    }

    private async Task<IReadOnlyList<TableRowCount>> CountAsync(string database, CancellationToken cancellationToken)
    {
        var connection = await _live.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await DatabaseMover.CountRowsAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<TableFingerprint>> FingerprintAsync(string database, CancellationToken cancellationToken)
    {
        var connection = await _live.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await TableContent.FingerprintAllAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<NpgsqlConnection> OpenSandboxAsync(LocalCluster cluster, string database, CancellationToken cancellationToken)
    {
        // Counting the rows of a large table takes longer than the default 30 s command timeout.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString(database)) { CommandTimeout = 0 }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal static string SandboxConnInfo(LocalCluster cluster, string database) => string.Create(CultureInfo.InvariantCulture,
        $"host='{Escape(cluster.SocketDirectory)}' port={cluster.Port} user='{Escape(cluster.Username)}' dbname='{Escape(database)}' application_name=pgark");

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}
