using PgArk.IntegrationTests.Harness;
using PgArk.Tests.Stores;

namespace PgArk.IntegrationTests.Stores;

/// <summary>Store runs in the <c>backup_history</c> table of a real PostgreSQL catalog, including one created before the <c>store</c> column.</summary>
public class StoreRunRecordingTests
{
    [Fact]
    public async Task BackupHistory_TableFromBeforeTheStoreColumn_GainsIt_AndStoreRunsFillIt()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.CreateDatabaseAsync("ops");
        // The table as the previous release created it (no store column), with one of its rows.
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE backup_history (
                id bigserial PRIMARY KEY, backup_id varchar(255), backup_type varchar(50) NOT NULL, "timestamp" timestamptz NOT NULL,
                size_bytes bigint, checksum varchar(64), status varchar(20) NOT NULL, error_message text, created_at timestamptz NOT NULL DEFAULT now(),
                run_id varchar(100) NOT NULL UNIQUE, server varchar(63), operation varchar(50) NOT NULL, database_name varchar(63), label text,
                origin varchar(20) NOT NULL, schedule_key varchar(200), started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL,
                duration_seconds double precision NOT NULL, stored_bytes bigint, start_lsn pg_lsn, stop_lsn pg_lsn, host varchar(255) NOT NULL,
                pid integer NOT NULL);
            INSERT INTO backup_history (backup_type, "timestamp", status, run_id, server, operation, origin, started_at, finished_at, duration_seconds, host, pid)
            VALUES ('full', now(), 'success', 'old-run', 'pg1', 'backup', 'manual', now(), now(), 1, 'old-host', 1);
            """, "ops");
        await using var qdrant = new QdrantStandIn(h.Folder.Combine("qdrant"), apiKey: null);
        qdrant.AddCollection("docs", 3);
        await File.AppendAllTextAsync(h.ConfigPath, $"""
            catalog: {"{"} connection: "{h.Cluster.ConnectionString("ops")}" {"}"}
            stores:
              - name: vectors
                type: qdrant
                url: {qdrant.BaseAddress}

            """);

        var backup = await h.RunAsync("backup-store", "vectors");
        var failed = await h.RunAsync("restore-store", "vectors", "--backup", "20200101-000000S", "--yes");

        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.True(failed.ExitCode == 3, failed.ToString());
        var rows = new List<(string? Store, string Type, string? Server, string Status, string Operation)>();
        await using (var connection = await h.Cluster.OpenAsync("ops"))
        await using (var command = new Npgsql.NpgsqlCommand("SELECT store, backup_type, server, status, operation FROM backup_history ORDER BY id", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3), reader.GetString(4)));
            }
        }
        Assert.Equal([(null, "full", "pg1", "success", "backup"), ("vectors", "qdrant", null, "success", "backup_store"),
            ("vectors", "restore_store", null, "failure", "restore_store")], rows);
    }
}
