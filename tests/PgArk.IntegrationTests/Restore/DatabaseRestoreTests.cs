using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Restore;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Restore;

/// <summary>
/// Database-level PITR on seed 000's two servers: "restore customer_db to T" leaves customer_db exactly as it was at T
/// (content compared row by row), keeps the live copy unless --replace, and leaves inventory_db (same server) and hr_db
/// (other server) as they were. Refusals and failures change nothing and leave no sandbox behind.
/// </summary>
public class DatabaseRestoreTests(Seed000Topology topology) : IClassFixture<Seed000Topology>
{
    private const string Customer = "customer_db";

    [Fact]
    public async Task RestoreDatabase_ThroughCliToT_CustomerDbEqualsSnapshotAtT_OthersUnchanged()
    {
        var (target, atT, afterT) = await ChangeAroundTargetAsync("cli");
        var inventory = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db");
        var hr = await TableSnapshot.CaptureDatabaseAsync(topology.Pg2, "hr_db");
        var ownership = await OwnershipAsync();
        Assert.StartsWith("crm_owner {", ownership, StringComparison.Ordinal);
        Assert.Contains("crm_reader=c/crm_owner", ownership, StringComparison.Ordinal);
        Assert.Contains("work_mem=8MB", ownership, StringComparison.Ordinal);

        var dryRun = await topology.RunAsync("restore-database", "--server", "pg1", "--database", Customer, "--target-time", target, "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("recovery: recovery_target_time = '", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("recovery: recovery_target_action = 'promote'", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("backup:   ", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("WAL:      0000000100000000000000", dryRun.Stdout, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(afterT);

        var sandboxes = topology.Folder.Combine("sandboxes-cli");
        Directory.CreateDirectory(sandboxes);
        var run = await topology.RunAsync("--output", "json", "restore-database", "--server", "pg1", "--database", Customer, "--target-time", target,
            "--yes", "--sandbox-dir", sandboxes);
        Assert.True(run.ExitCode == 0, run.ToString());

        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(atT);
        var result = JsonDocument.Parse(run.Stdout).RootElement;
        var keptAs = result.GetProperty("kept_as").GetString()!;
        Assert.StartsWith("customer_db_before_restore_", keptAs, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, keptAs)).AssertSameContent(afterT);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db")).AssertSameContent(inventory);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg2, "hr_db")).AssertSameContent(hr);
        Assert.Equal(afterT.Tables["public.customers"].Count, RowsOf(result.GetProperty("rows_before"), "public.customers"));
        Assert.Equal(atT.Tables["public.customers"].Count, RowsOf(result.GetProperty("rows_after"), "public.customers"));
        Assert.Equal(["cleanup", "compare rows", "dump/restore move", "plan", "recovery", "sandbox restore", "swap"],
            result.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("phase").GetString()!).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
        Assert.Equal(ownership, await OwnershipAsync());
        await topology.Pg1.ExecuteAsync($"DROP DATABASE \"{keptAs}\"");
    }

    [Fact]
    public async Task RestoreDatabase_ThroughInvokeWithReplace_CustomerDbEqualsSnapshotAtT_NoBeforeRestoreCopy()
    {
        var (target, atT, _) = await ChangeAroundTargetAsync("invoke");
        var inventory = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db");
        var hr = await TableSnapshot.CaptureDatabaseAsync(topology.Pg2, "hr_db");
        var namesBefore = await Seed000Topology.DatabaseNamesAsync(topology.Pg1);

        using var client = topology.Client();
        var body = $$$"""{"tool": "restore_database", "arguments": {"server": "pg1", "database": "{{{Customer}}}", "target_time": "{{{target}}}", "replace": true, "confirm": true}}""";
        using var response = await client.PostAsync("/invoke", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);

        var result = JsonDocument.Parse(text).RootElement.GetProperty("result");
        Assert.True(result.GetProperty("replaced").GetBoolean(), text);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(atT);
        Assert.Equal(namesBefore, await Seed000Topology.DatabaseNamesAsync(topology.Pg1));
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db")).AssertSameContent(inventory);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg2, "hr_db")).AssertSameContent(hr);
    }

    [Fact]
    public async Task RestoreDatabase_Into_CreatesTheCopyAndLeavesTheLiveDatabaseAlone()
    {
        var live = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db");

        var run = await topology.RunAsync("restore-database", "--server", "pg1", "--database", "inventory_db", "--target", "latest",
            "--into", "inventory_db_copy", "--yes");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("live database: left as it is ('inventory_db' is not touched)", run.Stdout, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db_copy")).AssertSameContent(live);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db")).AssertSameContent(live);
        Assert.DoesNotContain(await Seed000Topology.DatabaseNamesAsync(topology.Pg1), n => n.StartsWith("inventory_db_before_restore_", StringComparison.Ordinal));
        await topology.Pg1.ExecuteAsync("DROP DATABASE inventory_db_copy");
    }

    /// <summary>"Someone dropped analytics_db": restoring it to a time before the drop brings it back as it was.</summary>
    [Fact]
    public async Task RestoreDatabase_DroppedDatabase_IsRecreatedAsItWasAtT()
    {
        await topology.Pg1.ExecuteAsync("UPDATE sales_metrics SET orders = orders + 1 WHERE region = 'APAC'", "analytics_db");
        var atT = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "analytics_db");
        var target = await Seed000Topology.NowAsync(topology.Pg1);
        // PostgreSQL replays a DROP DATABASE before its commit: recovery must meet another commit first (a busy server always has one).
        await topology.Pg1.ExecuteAsync("UPDATE inventory SET reorder_level = reorder_level + 1 WHERE product_id = 1", "inventory_db");
        await topology.Pg1.ExecuteAsync("DROP DATABASE analytics_db");

        var run = await topology.RunAsync("restore-database", "--server", "pg1", "--database", "analytics_db", "--target-time", target, "--yes");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("live database: does not exist on the live server: it is created", run.Stdout, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "analytics_db")).AssertSameContent(atT);
    }

    /// <summary>
    /// A DROP DATABASE right after T, with no commit in between: recovery stops at the drop's own commit, after replaying
    /// the drop. PgArk says so (exit 3) instead of moving an invalid database, and changes nothing.
    /// </summary>
    [Fact]
    public async Task RestoreDatabase_DropRightAfterTarget_IsReportedAndNothingChanges()
    {
        var target = await Seed000Topology.NowAsync(topology.Pg2);
        await topology.Pg2.ExecuteAsync("DROP DATABASE reporting_db");
        var names = await Seed000Topology.DatabaseNamesAsync(topology.Pg2);

        var run = await topology.RunAsync("restore-database", "--server", "pg2", "--database", "reporting_db", "--target-time", target, "--yes");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("database 'reporting_db' of server 'pg2' was being dropped when recovery stopped", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(names, await Seed000Topology.DatabaseNamesAsync(topology.Pg2));
    }

    [Fact]
    public async Task RestoreDatabase_ThroughInvokeWithoutConfirm_IsRefused()
    {
        using var client = topology.Client();
        var body = $$$"""{"tool": "restore_database", "arguments": {"database": "{{{Customer}}}", "target": "latest"}}""";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/invoke", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden || (int)response.StatusCode == 409 || (int)response.StatusCode == 403, text);
        Assert.Contains("'restore_database' is destructive and needs confirmation", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoreDatabase_TargetBeforeOldestBackup_RefusesNamingEarliestPoint_NothingChanged()
    {
        var before = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var names = await Seed000Topology.DatabaseNamesAsync(topology.Pg1);

        var run = await topology.RunAsync("restore-database", "--server", "pg1", "--database", Customer, "--target-time", "2020-01-01T00:00:00Z", "--yes");

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("target 2020-01-01 00:00:00.000000 UTC is before the oldest backup of server 'pg1'; the earliest consistent point is ",
            run.Stderr, StringComparison.Ordinal);
        Assert.Contains("use --target-time ", run.Stderr, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(before);
        Assert.Equal(names, await Seed000Topology.DatabaseNamesAsync(topology.Pg1));
    }

    [Fact]
    public async Task RestoreDatabase_WithoutYes_PrintsPlanAndChangesNothing()
    {
        var before = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);

        var run = await topology.RunAsync("restore-database", "--server", "pg1", "--database", Customer, "--target", "latest");

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("plan: restore database 'customer_db' of server pg1 to latest (end of archived WAL)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("add --yes to go ahead", run.Stderr, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(before);
    }

    /// <summary>
    /// The sandbox is killed (postmaster and its children, SIGKILL) while the database is being copied into the live
    /// server: the restore fails, the half-restored copy is dropped, customer_db is as it was and the sandbox is gone.
    /// </summary>
    [Fact]
    public async Task RestoreDatabase_SandboxKilledDuringMove_LiveUnchangedCopyDroppedSandboxRemoved()
    {
        // Enough rows that the copy takes a while: the kill must land while it runs.
        await topology.Pg1.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS audit_log AS SELECT i AS id, md5(i::text) AS digest FROM generate_series(1, 600000) i", Customer);
        var target = await Seed000Topology.NowAsync(topology.Pg1);
        await topology.Pg1.ExecuteAsync("UPDATE customers SET segment = 'smb' WHERE customer_id % 50 = 0", Customer);
        var before = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var names = await Seed000Topology.DatabaseNamesAsync(topology.Pg1);
        var sandboxes = topology.Folder.Combine("sandboxes-kill");
        Directory.CreateDirectory(sandboxes);

        using var killer = new CancellationTokenSource();
        var kill = Task.Run(() => KillSandboxDuringCopyAsync(sandboxes, killer.Token));
        var run = await topology.RunAsync("restore-database", "--server", "pg1", "--database", Customer, "--target-time", target, "--yes",
            "--sandbox-dir", sandboxes);
        await killer.CancelAsync();
        var killed = await kill;

        Assert.True(killed, $"the sandbox was not caught during the copy:\n{run}");
        Assert.True(run.ExitCode == 1, run.ToString());
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(before);
        Assert.Equal(names, await Seed000Topology.DatabaseNamesAsync(topology.Pg1));
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
        await topology.Pg1.ExecuteAsync("DROP TABLE audit_log", Customer);
    }

    /// <summary>
    /// kill -9 of the CLI inside its sandbox restore, at a point reached without timing: every stored PG_VERSION of pg1's
    /// backups is replaced by a named pipe nobody writes to, so the sandbox's restore blocks on the first file it restores.
    /// A killed process cleans nothing up, so its sandbox stays; the next restore-database with the same sandbox folder
    /// reports and removes it (its owner is gone), then does its own work and leaves nothing behind.
    /// </summary>
    [Fact]
    public async Task RestoreDatabase_CliKilledInsideTheSandboxRestore_NextRunRemovesTheAbandonedSandbox()
    {
        var live = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db");
        var backups = Path.Combine(topology.Folder.Path, "repo-pg1", "servers", "pg1", "backups");
        var stored = Directory.EnumerateFiles(backups, "PG_VERSION.*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "data").ToList();
        Assert.NotEmpty(stored);
        var sandboxes = topology.Folder.Combine("sandboxes-cli-killed");
        Directory.CreateDirectory(sandboxes);
        try
        {
            foreach (var file in stored)
            {
                File.Move(file, file + ".aside");
                await Infrastructure.ProcessRunner.RunAsync("mkfifo", [file], new ProcessRunOptions { ThrowOnFailure = true }, CancellationToken.None);
            }
            using var cli = topology.StartProcess("restore-database", "--server", "pg1", "--database", "inventory_db", "--target", "latest",
                "--into", "inventory_db_killed", "--yes", "--sandbox-dir", sandboxes);
            var stderr = cli.StandardError.ReadToEndAsync();
            _ = cli.StandardOutput.ReadToEndAsync();
            // The sandbox's PG_VERSION is created, then its stored object (the pipe) opened: the restore blocks there for good.
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (!cli.HasExited && DateTime.UtcNow < deadline
                   && !Directory.EnumerateFiles(sandboxes, "PG_VERSION", SearchOption.AllDirectories).Any())
            {
                await Task.Delay(50);
            }
            if (cli.HasExited)
            {
                // Only here: the message awaits stderr, which ends only when the process does.
                Assert.Fail($"restore-database ended although PG_VERSION's stored object was a pipe: {await stderr}");
            }
            Assert.True(Directory.EnumerateFiles(sandboxes, "PG_VERSION", SearchOption.AllDirectories).Any(), "no sandbox restore began within 5 minutes");
            Posix.KillNow(cli.Id);
            await cli.WaitForExitAsync();
        }
        finally
        {
            foreach (var file in stored.Where(f => File.Exists(f + ".aside")))
            {
                File.Delete(file);
                File.Move(file + ".aside", file);
            }
        }
        var abandoned = Assert.Single(Directory.EnumerateDirectories(sandboxes));
        Assert.True(File.Exists(Path.Combine(abandoned, SandboxJanitor.OwnerFile)), "the sandbox records its owner");

        var run = await topology.RunAsync("restore-database", "--server", "pg1", "--database", "inventory_db", "--target", "latest",
            "--into", "inventory_db_copy_after_kill", "--yes", "--sandbox-dir", sandboxes);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"removing sandbox {abandoned} left by an interrupted restore", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db_copy_after_kill")).AssertSameContent(live);
        Assert.DoesNotContain("inventory_db_killed", await Seed000Topology.DatabaseNamesAsync(topology.Pg1));
        await topology.Pg1.ExecuteAsync("DROP DATABASE inventory_db_copy_after_kill");
    }

    /// <summary>
    /// The copy moved into the live server differs from the sandbox in one value of one row, with the same row counts
    /// everywhere (changed through the runner's test seam between the move and the comparison): the content comparison
    /// catches it (integrity error, exit 5, naming the table), the copy is dropped and customer_db is left as it was.
    /// </summary>
    [Fact]
    public async Task RestoreDatabase_CopyDiffersWithEqualRowCounts_IntegrityErrorNamingTable_CopyDroppedLiveUnchanged()
    {
        var before = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var names = await Seed000Topology.DatabaseNamesAsync(topology.Pg1);
        var sandboxes = topology.Folder.Combine("sandboxes-differ");
        Directory.CreateDirectory(sandboxes);
        var context = new OperationContext(ConfigLoader.Load(topology.ConfigPath));
        var server = context.GetServer("pg1");
        var changedRows = -1;
        var runner = new DatabaseRestoreRunner(server, context.PrimaryRepositoryFor(server), NullLogger.Instance)
        {
            AfterMoveForTesting = async (copy, ct) => changedRows = await topology.Pg1.ExecuteAsync(
                "UPDATE customers SET full_name = full_name || ' (tampered)' WHERE customer_id = (SELECT min(customer_id) FROM customers)", copy, ct),
        };
        var plan = await runner.PlanAsync(new DatabaseRestoreRequest(Customer, RestoreTarget.Latest), CancellationToken.None);
        var archiveGet = $"{SelfCommand.ShellQuote(PgArkHarness.Executable)} --config {SelfCommand.ShellQuote(topology.ConfigPath)} " +
            "archive-get --server pg1 %f \"%p\"";

        var error = await Assert.ThrowsAsync<IntegrityException>(() => runner.RunAsync(plan, archiveGet, sandboxes, 0, null, CancellationToken.None));

        Assert.Equal(1, changedRows);
        Assert.Equal(5, error.ExitCode);
        Assert.Contains("public.customers (", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("public.orders (", error.Message, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(before);
        Assert.Equal(names, await Seed000Topology.DatabaseNamesAsync(topology.Pg1));
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
    }

    /// <summary>Changes on both servers, the target T, then more changes; returns T and customer_db at T and after.</summary>
    private async Task<(string Target, TableSnapshot AtT, TableSnapshot AfterT)> ChangeAroundTargetAsync(string tag)
    {
        await topology.Pg1.ExecuteAsync($"""
            INSERT INTO customers (email, full_name, country, segment, created_at)
            SELECT format('{tag}-before-%s@example.com', i), 'Before T', 'NL', 'retail', now() FROM generate_series(1, 25) i;
            UPDATE orders SET status = 'shipped' WHERE order_id % 40 = 0;
            """, Customer);
        await topology.Pg1.ExecuteAsync("UPDATE inventory SET on_hand = on_hand + 1 WHERE product_id % 9 = 0", "inventory_db");
        await topology.Pg2.ExecuteAsync("UPDATE employees SET salary = salary + 100 WHERE employee_id % 7 = 0", "hr_db");
        var atT = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var target = await Seed000Topology.NowAsync(topology.Pg1);

        await topology.Pg1.ExecuteAsync($"""
            DELETE FROM order_items WHERE order_id IN (SELECT order_id FROM orders WHERE status = 'cancelled' AND order_id % 3 = 0);
            DELETE FROM orders WHERE status = 'cancelled' AND order_id % 3 = 0;
            UPDATE customers SET full_name = full_name || ' (after T)' WHERE customer_id % 11 = 0;
            INSERT INTO customers (email, full_name, country, segment, created_at) VALUES ('{tag}-after@example.com', 'After T', 'SE', 'smb', now());
            """, Customer);
        await topology.Pg1.ExecuteAsync("INSERT INTO movements (product_id, warehouse, kind, quantity, moved_at) VALUES (1, 'AMS-1', 'receipt', 5, now())", "inventory_db");
        await topology.Pg2.ExecuteAsync("UPDATE attendance SET hours = 8 WHERE employee_id = 1", "hr_db");
        var afterT = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        Assert.NotEqual(atT.RowCount, afterT.RowCount);
        return (target, atT, afterT);
    }

    private static long RowsOf(JsonElement counts, string table) =>
        counts.EnumerateArray().Single(c => c.GetProperty("table").GetString() == table).GetProperty("rows").GetInt64();

    /// <summary>Owner, privileges and settings of customer_db and the owner of its customers table.</summary>
    private async Task<string> OwnershipAsync() => (await topology.Pg1.ScalarAsync<string>(Seed000Topology.OwnershipQuery, Customer))!;

    /// <summary>Waits for the copy database to appear on pg1, then kills every process of the sandbox's cluster.</summary>
    private async Task<bool> KillSandboxDuringCopyAsync(string sandboxes, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var copying = await topology.Pg1.ScalarAsync<long>("SELECT count(*) FROM pg_database WHERE datname LIKE 'customer\\_db\\_restoring\\_%'", cancellationToken: CancellationToken.None);
            if (copying > 0)
            {
                var pidFile = Directory.EnumerateFiles(sandboxes, "postmaster.pid", SearchOption.AllDirectories).FirstOrDefault();
                if (pidFile is not null && int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
                {
                    foreach (var child in Posix.GetDescendants(postmaster))
                    {
                        Posix.KillNow(child);
                    }
                    Posix.KillNow(postmaster);
                    return true;
                }
            }
            await Task.Delay(10, CancellationToken.None);
        }
        return false;
    }
}
