using Npgsql;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Physical;

/// <summary>
/// The gold standard: a writer commits numbered rows one transaction at a time while a backup runs; for targets by
/// time, LSN, xid and restore-point name, the restored cluster holds exactly the rows committed by the target.
/// </summary>
public class PitrExactnessTests
{
    private sealed record Targets(int TimeRow, string Time, int LsnRow, string Lsn, int XidRow, string Xid, int NameRow, string Name);

    [Fact]
    public async Task Restore_ToTimeLsnXidAndName_HoldsExactlyTheRowsCommittedByTheTarget()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE ticks (id int PRIMARY KEY, payload text NOT NULL)");

        var backupDone = new TaskCompletionSource<int>();
        var writer = Task.Run(() => WriteRowsAsync(h, backupDone.Task));
        await WaitForRowsAsync(h, 50);
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        backupDone.SetResult(0);
        var targets = await writer;
        await h.SwitchAndWaitForArchiveAsync();

        await AssertRestoresRowsAsync(h, "by-time", targets.TimeRow, "--target-time", targets.Time);
        await AssertRestoresRowsAsync(h, "by-lsn", targets.LsnRow, "--target-lsn", targets.Lsn);
        await AssertRestoresRowsAsync(h, "by-xid", targets.XidRow, "--target-xid", targets.Xid);
        await AssertRestoresRowsAsync(h, "by-name", targets.NameRow, "--target-name", targets.Name);
    }

    private static async Task AssertRestoresRowsAsync(PgArkHarness h, string name, int expectedLastRow, params string[] target)
    {
        var (run, restored) = await h.RestoreAndStartAsync(name, [.. target, "--target-action", "promote"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            await using var connection = await restored.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT id, payload FROM ticks ORDER BY id", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetInt32(0)}:{reader.GetString(1)}");
            }
            var expected = Enumerable.Range(1, expectedLastRow).Select(Payload).ToList();
            Assert.True(expected.SequenceEqual(rows),
                $"{name}: expected rows 1..{expectedLastRow}, restored {rows.Count} rows (last {rows.LastOrDefault()})");
        }
    }

    private static string Payload(int i) => $"{i}:row {i} \u00e9\u6f22 '\"\n";

    private static async Task WaitForRowsAsync(PgArkHarness h, int count)
    {
        while (await h.Cluster.ScalarAsync<long>("SELECT count(*) FROM ticks") < count)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Commits row i in its own transaction, forever until the targets are recorded. Each target is taken right after a
    /// row's commit returned, so the rows committed by the target are exactly 1..that row.
    /// </summary>
    private static async Task<Targets> WriteRowsAsync(PgArkHarness h, Task backupDone)
    {
        await using var connection = await h.Cluster.OpenAsync();
        int? startRow = null;
        int timeRow = 0, lsnRow = 0, xidRow = 0, nameRow = 0;
        string time = "", lsn = "", xid = "", name = "";
        for (var i = 1; ; i++)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand("INSERT INTO ticks VALUES ($1, $2)", connection, transaction))
            {
                insert.Parameters.AddWithValue(i);
                insert.Parameters.AddWithValue(Payload(i)[(i.ToString().Length + 1)..]);
                await insert.ExecuteNonQueryAsync();
            }
            string currentXid;
            await using (var xidCommand = new NpgsqlCommand("SELECT txid_current()::text", connection, transaction))
            {
                currentXid = (string)(await xidCommand.ExecuteScalarAsync())!;
            }
            await transaction.CommitAsync();

            if (startRow is null && backupDone.IsCompleted)
            {
                startRow = i;
            }
            if (startRow is not { } s)
            {
                continue;
            }
            if (i == s + 10)
            {
                timeRow = i;
                time = await ScalarAsync(connection, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            }
            else if (i == s + 20)
            {
                lsnRow = i;
                lsn = await ScalarAsync(connection, "SELECT pg_current_wal_insert_lsn()::text");
            }
            else if (i == s + 30)
            {
                xidRow = i;
                xid = currentXid;
            }
            else if (i == s + 40)
            {
                nameRow = i;
                name = $"pgark-test-{i}";
                await ScalarAsync(connection, $"SELECT pg_create_restore_point('{name}')::text");
            }
            else if (i == s + 50)
            {
                return new Targets(timeRow, time, lsnRow, lsn, xidRow, xid, nameRow, name);
            }
        }
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
