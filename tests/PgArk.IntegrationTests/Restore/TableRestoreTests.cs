using System.Text.Json;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Restore;

/// <summary>
/// Table-level PITR against a real cluster without data checksums: the restored table equals its content at T row by row,
/// nothing else changes, dependent foreign keys stay valid or the swap is refused naming them, a table created after T is
/// refused, and the sandbox is gone after success and failure (and after a kill -9, by the next run).
/// </summary>
public class TableRestoreTests(TableRestoreTopology topology) : IClassFixture<TableRestoreTopology>
{
    private const string Customer = TableRestoreTopology.Customer;

    [Fact]
    public async Task RestoreTable_IntoBesideLiveTables_EqualSnapshotAtT_NothingElseChanges()
    {
        await topology.Pg1.ExecuteAsync("""
            UPDATE orders SET status = 'shipped' WHERE order_id % 17 = 0;
            UPDATE "Sales"."Quarter Totals" SET amount = amount + 1 WHERE id % 3 = 0;
            """, Customer);
        var ordersAtT = await TableSnapshot.CaptureTableAsync(topology.Pg1, "public.orders", Customer);
        var salesAtT = await TableSnapshot.CaptureTableAsync(topology.Pg1, "Sales.Quarter Totals", Customer);
        var target = await Seed000Topology.NowAsync(topology.Pg1);
        await topology.Pg1.ExecuteAsync("""
            UPDATE orders SET status = 'cancelled' WHERE order_id % 5 = 0;
            INSERT INTO orders (customer_id, status, ordered_at, total_amount) VALUES (1, 'paid', now(), 12.50);
            DELETE FROM "Sales"."Quarter Totals" WHERE id > 30;
            """, Customer);
        var liveBefore = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var inventory = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db");
        var relations = await topology.RelationsAsync();
        var sandboxes = topology.SandboxFolder("into");

        var run = await topology.RunAsync("--output", "json", "restore-table", "--server", "pg1", "--database", Customer, "--table", "orders",
            "--table", "Sales.Quarter Totals", "--target-time", target, "--yes", "--sandbox-dir", sandboxes);

        Assert.True(run.ExitCode == 0, run.ToString());
        var restored = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("restored").EnumerateArray()
            .Select(r => r.GetProperty("table").GetString()!).ToList();
        var stamp = target[..19].Replace("-", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal).Replace("T", "", StringComparison.Ordinal);
        Assert.Equal([$"public.orders_restored_{stamp}", $"Sales.Quarter Totals_restored_{stamp}"], restored);
        AssertSameRows(ordersAtT, await TableSnapshot.CaptureTableAsync(topology.Pg1, restored[0], Customer));
        AssertSameRows(salesAtT, await TableSnapshot.CaptureTableAsync(topology.Pg1, restored[1], Customer));
        var liveAfter = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        foreach (var (table, rows) in liveBefore.Tables)
        {
            Assert.Equal(rows, liveAfter.Tables[table]);
        }
        Assert.Equal(liveBefore.Tables.Count + 2, liveAfter.Tables.Count);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, "inventory_db")).AssertSameContent(inventory);
        // The restored tables came with their indexes, owned sequences, comment, grant and trigger, under names of their own.
        var added = (await topology.RelationsAsync()).Except(relations).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[]
        {
            $"Sales.Quarter Totals_restored_{stamp} region", $"Sales.Quarter Totals_restored_{stamp}",
            $"Sales.Quarter Totals_restored_{stamp}_id_seq", $"Sales.Quarter Totals_restored_{stamp}_pkey",
            $"public.orders_restored_{stamp}", $"public.orders_restored_{stamp}_customer_idx", $"public.orders_restored_{stamp}_order_id_seq",
            $"public.orders_restored_{stamp}_ordered_at_idx", $"public.orders_restored_{stamp}_pkey",
        }.Order(StringComparer.Ordinal), added);
        var sales = $"\"Sales\".\"Quarter Totals_restored_{stamp}\"";
        Assert.Equal("totals per region", await topology.Pg1.ScalarAsync<string>($"SELECT obj_description('{sales}'::regclass, 'pg_class')", Customer));
        Assert.True(await topology.Pg1.ScalarAsync<bool>($"SELECT has_table_privilege('sales_reader', '{sales}', 'SELECT')", Customer));
        Assert.Equal(1L, await topology.Pg1.ScalarAsync<long>($"SELECT count(*) FROM pg_trigger WHERE tgrelid = '{sales}'::regclass AND tgname = 'touch'", Customer));
        Assert.Equal(1L, await topology.Pg1.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.orders_restored_{stamp}'::regclass AND contype = 'f'", Customer));
        Assert.DoesNotContain(await SchemasAsync(), s => s.StartsWith("pgark_restore_", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
        await topology.Pg1.ExecuteAsync($"DROP TABLE \"orders_restored_{stamp}\", {sales}", Customer);
    }

    [Fact]
    public async Task RestoreTable_DryRunAndWithoutYes_PrintPlanAndChangeNothing()
    {
        var before = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var relations = await topology.RelationsAsync();

        var dryRun = await topology.RunAsync("restore-table", "--server", "pg1", "--database", Customer, "--table", "orders", "--target", "latest",
            "--replace", "--dry-run");
        var withoutYes = await topology.RunAsync("restore-table", "--server", "pg1", "--database", Customer, "--table", "orders", "--target", "latest");

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("plan: restore public.orders of database 'customer_db' on server pg1 to latest (end of archived WAL), replacing the live tables",
            dryRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("foreign key order_items_order_id_fkey on public.order_items references it: FOREIGN KEY (order_id) REFERENCES public.orders(order_id) ON DELETE CASCADE",
            dryRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("WAL:      0000000100000000000000", dryRun.Stdout, StringComparison.Ordinal);
        Assert.True(withoutYes.ExitCode == 4, withoutYes.ToString());
        Assert.Contains("table:    public.orders (exists on the live server) -> public.orders_restored_", withoutYes.Stdout, StringComparison.Ordinal);
        Assert.Contains("add --yes to go ahead", withoutYes.Stderr, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(before);
        Assert.Equal(relations, await topology.RelationsAsync());
    }

    /// <summary>
    /// --replace of orders, which order_items references: first with an order_item added after T whose order did not exist
    /// at T (refused naming the key, nothing changed), then without it (orders is as at T and the key references it, valid).
    /// </summary>
    [Fact]
    public async Task RestoreTable_ReplaceWithDependentForeignKey_RefusedNamingItOrKeptValid()
    {
        await topology.Pg1.ExecuteAsync("UPDATE orders SET total_amount = total_amount + 1 WHERE order_id % 7 = 0", Customer);
        var ordersAtT = await TableSnapshot.CaptureTableAsync(topology.Pg1, "public.orders", Customer);
        var target = await Seed000Topology.NowAsync(topology.Pg1);
        var newOrder = await topology.Pg1.ScalarAsync<int>("""
            INSERT INTO orders (customer_id, status, ordered_at, total_amount) VALUES (2, 'paid', now(), 99) RETURNING order_id
            """, Customer);
        await topology.Pg1.ExecuteAsync($"INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price) VALUES ({newOrder}, 1, 'SKU-NEW', 1, 99)", Customer);
        await topology.Pg1.ExecuteAsync("UPDATE orders SET status = 'delivered' WHERE order_id % 9 = 0", Customer);
        var before = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var relations = await topology.RelationsAsync();
        var sandboxes = topology.SandboxFolder("replace");

        var refused = await topology.RunAsync("restore-table", "--server", "pg1", "--database", Customer, "--table", "orders", "--target-time", target,
            "--replace", "--yes", "--sandbox-dir", sandboxes);

        Assert.True(refused.ExitCode == 4, refused.ToString());
        Assert.Contains("--replace refused: foreign key order_items_order_id_fkey of table public.order_items", refused.Stderr, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer)).AssertSameContent(before);
        Assert.Equal(relations, await topology.RelationsAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));

        await topology.Pg1.ExecuteAsync($"DELETE FROM order_items WHERE order_id = {newOrder}", Customer);
        var others = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        var sequenceBefore = await topology.Pg1.ScalarAsync<long>("SELECT last_value FROM orders_order_id_seq", Customer);

        var run = await topology.RunAsync("restore-table", "--server", "pg1", "--database", Customer, "--table", "public.orders", "--target-time", target,
            "--replace", "--yes", "--sandbox-dir", sandboxes);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("foreign key order_items_order_id_fkey on public.order_items now references the restored rows (validated)", run.Stdout, StringComparison.Ordinal);
        (await TableSnapshot.CaptureTableAsync(topology.Pg1, "public.orders", Customer)).AssertSameContent(ordersAtT);
        var after = await TableSnapshot.CaptureDatabaseAsync(topology.Pg1, Customer);
        foreach (var (table, rows) in others.Tables.Where(t => t.Key != "public.orders"))
        {
            Assert.Equal(rows, after.Tables[table]);
        }
        Assert.Equal(relations, await topology.RelationsAsync());
        Assert.True(await topology.Pg1.ScalarAsync<bool>("""
            SELECT convalidated AND confrelid = 'public.orders'::regclass FROM pg_constraint WHERE conname = 'order_items_order_id_fkey'
            """, Customer));
        // No order id is handed out twice: the restored sequence is at least where the live one was.
        Assert.True(await topology.Pg1.ScalarAsync<long>("SELECT last_value FROM orders_order_id_seq", Customer) >= sequenceBefore);
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
    }

    [Fact]
    public async Task RestoreTable_CreatedAfterTarget_RefusedNamingLatestPoint_SandboxRemoved()
    {
        var target = await Seed000Topology.NowAsync(topology.Pg1);
        await topology.Pg1.ExecuteAsync("CREATE TABLE promotions (code text PRIMARY KEY); INSERT INTO promotions VALUES ('WINTER')", Customer);
        var relations = await topology.RelationsAsync();
        var sandboxes = topology.SandboxFolder("created-after");

        var run = await topology.RunAsync("restore-table", "--server", "pg1", "--database", Customer, "--table", "promotions", "--target-time", target,
            "--yes", "--sandbox-dir", sandboxes);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("table 'promotions' did not exist in database 'customer_db' of server 'pg1' at time ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("the latest reachable point is ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("it exists now, so it was created after the target: use --target-time ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(relations, await topology.RelationsAsync());
        Assert.DoesNotContain(await SchemasAsync(), s => s.StartsWith("pgark_restore_", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
        await topology.Pg1.ExecuteAsync("DROP TABLE promotions", Customer);
    }

    /// <summary>
    /// kill -9 of the CLI while its sandbox runs: a killed process cleans nothing up, so the sandbox (postmaster and folder)
    /// is still there; the next restore-table with the same sandbox folder stops and deletes it, then does its own work.
    /// </summary>
    [Fact]
    public async Task RestoreTable_CliKilled_NextRunRemovesTheAbandonedSandbox()
    {
        var target = await Seed000Topology.NowAsync(topology.Pg1);
        var sandboxes = topology.SandboxFolder("killed");
        using var cli = topology.StartProcess("restore-table", "--server", "pg1", "--database", Customer, "--table", "customers", "--target-time", target,
            "--into", "customers_killed", "--yes", "--sandbox-dir", sandboxes);
        var postmaster = await WaitForSandboxPostmasterAsync(sandboxes, TimeSpan.FromMinutes(3));
        Posix.KillNow(cli.Id);
        await cli.WaitForExitAsync();
        Assert.True(Posix.IsAlive(postmaster), "the sandbox postmaster should outlive the killed CLI");
        Assert.Single(Directory.EnumerateDirectories(sandboxes));

        var run = await topology.RunAsync("restore-table", "--server", "pg1", "--database", Customer, "--table", "customers", "--target-time", target,
            "--into", "customers_at_t", "--yes", "--sandbox-dir", sandboxes);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await Posix.WaitForExitAsync([postmaster], TimeSpan.FromSeconds(30), CancellationToken.None), "the abandoned postmaster is still running");
        Assert.Empty(Directory.EnumerateFileSystemEntries(sandboxes));
        Assert.DoesNotContain(await SchemasAsync(), s => s.StartsWith("pgark_restore_", StringComparison.Ordinal));
        Assert.DoesNotContain("public.customers_killed", await topology.RelationsAsync());
        await topology.Pg1.ExecuteAsync("DROP TABLE customers_at_t", Customer);
    }

    private static void AssertSameRows(TableSnapshot expected, TableSnapshot actual) =>
        Assert.Equal(expected.Tables.Values.Single(), actual.Tables.Values.Single());

    private async Task<IReadOnlyList<string>> SchemasAsync() =>
        (await topology.Pg1.ScalarAsync<string[]>("SELECT array_agg(nspname::text) FROM pg_namespace", Customer))!;

    /// <summary>The pid of the sandbox's postmaster once it has written postmaster.pid (the sandbox is running).</summary>
    private static async Task<int> WaitForSandboxPostmasterAsync(string sandboxes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var pidFile = Directory.EnumerateFiles(sandboxes, "postmaster.pid", SearchOption.AllDirectories).FirstOrDefault();
            if (pidFile is not null && File.ReadLines(pidFile).FirstOrDefault() is { } line && int.TryParse(line, out var pid) && Posix.IsAlive(pid))
            {
                return pid;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no sandbox postmaster started in {sandboxes} within {timeout}");
    }
}
