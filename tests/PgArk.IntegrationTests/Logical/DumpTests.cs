using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Logical;

public sealed class DumpTests(LogicalHarnessFixture fixture) : IClassFixture<LogicalHarnessFixture>
{
    private PgArkHarness H => fixture.Harness;

    private static string DumpIdFrom(CliRun run) => JsonDocument.Parse(run.Stdout).RootElement.GetProperty("id").GetString()!;

    private async Task<string> DumpAsync(params string[] args)
    {
        var run = await H.RunAsync(["--output", "json", "dump", "--server", PgArkHarness.Server, .. args]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return DumpIdFrom(run);
    }

    [Fact]
    public async Task Dump_FullThenRestoreInto_EqualsSourceByContentAndVerifies()
    {
        var source = await fixture.CreateDatabaseAsync("shop");
        await fixture.CreateCustomerSchemaAsync(source, "0013_add_items");
        var before = await TableSnapshot.CaptureDatabaseAsync(H.Cluster, source);
        var id = await DumpAsync("--database", source, "--label", "nightly");
        // Changes after the dump must not appear in the restored copy.
        await H.Cluster.ExecuteAsync("DELETE FROM order_items; INSERT INTO customers (name) VALUES ('late')", source);

        var target = source + "_copy";
        var restore = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--into", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains("public.order_items", restore.Stdout);
        Assert.Contains("alembic revision: 0013_add_items (dump: 0013_add_items)", restore.Stdout);
        var restored = await TableSnapshot.CaptureDatabaseAsync(H.Cluster, target);
        Assert.Equal(before.Tables, restored.Tables);

        var list = await H.RunAsync("--output", "json", "dumps", "--server", PgArkHarness.Server, "--database", source);
        Assert.True(list.ExitCode == 0, list.ToString());
        var dump = Assert.Single(JsonDocument.Parse(list.Stdout).RootElement.GetProperty("dumps").EnumerateArray());
        Assert.Equal(id, dump.GetProperty("id").GetString());
        Assert.Equal("0013_add_items", dump.GetProperty("alembic_revision").GetString());
        Assert.Equal("nightly", dump.GetProperty("label").GetString());
        Assert.Equal(50 + 120 + 300 + 1, dump.GetProperty("rows").GetInt64());

        var verify = await H.RunAsync("verify-dump", "--server", PgArkHarness.Server, "--dump", id);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var verifyRestore = await H.RunAsync("verify-dump-restore", "--server", PgArkHarness.Server, "--dump", id, "--jobs", "2");
        Assert.True(verifyRestore.ExitCode == 0, verifyRestore.ToString());
        Assert.Contains("alembic revision: 0013_add_items", verifyRestore.Stdout);
        var leftovers = await H.Cluster.ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname LIKE '{source}_verify_%'");
        Assert.Equal(0, leftovers);

        // Replacing an existing database needs --create and --yes.
        var refused = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--create");
        Assert.Equal(4, refused.ExitCode);
        // Refused by the registry before anything runs (--create always needs confirmation), with the command line's hint.
        Assert.Contains("'dump-restore' is destructive and needs confirmation", refused.Stderr);
        Assert.Contains("add --yes", refused.Stderr);
        var exists = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source);
        Assert.Equal(4, exists.ExitCode);
        Assert.Contains($"database '{source}' already exists", exists.Stderr);
        var replaced = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--create", "--yes", "--jobs", "2");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal(before.Tables, (await TableSnapshot.CaptureDatabaseAsync(H.Cluster, source)).Tables);

        var noConfirm = await H.RunAsync("delete-dump", "--server", PgArkHarness.Server, "--dump", id);
        Assert.Equal(4, noConfirm.ExitCode);
        var deleted = await H.RunAsync("delete-dump", "--server", PgArkHarness.Server, "--dump", id, "--yes");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        var gone = await H.RunAsync("verify-dump", "--server", PgArkHarness.Server, "--dump", id);
        Assert.Equal(3, gone.ExitCode);
    }

    [Fact]
    public async Task Dump_DirectoryFormat_RestoresThroughNamedPipesWithJobsAndEqualsSource()
    {
        var source = await fixture.CreateDatabaseAsync("dir");
        await fixture.CreateCustomerSchemaAsync(source, "0013_add_items");
        await H.Cluster.ExecuteAsync("CREATE TABLE big AS SELECT i, repeat('x', i % 100) AS pad FROM generate_series(1, 200000) i", source);
        var before = await TableSnapshot.CaptureDatabaseAsync(H.Cluster, source);
        await DumpAsync("--database", source, "--format", "directory", "--jobs", "2");
        var target = source + "_p";
        var restore = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--into", target, "--jobs", "2");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(before.Tables, (await TableSnapshot.CaptureDatabaseAsync(H.Cluster, target)).Tables);
        var single = await H.RunAsync("verify-dump-restore", "--server", PgArkHarness.Server, "--database", source);
        Assert.True(single.ExitCode == 0, single.ToString());
    }

    [Fact]
    public async Task DumpRestore_DirectoryDumpWithDamagedDataFile_FailsWithIntegrityErrorWithAndWithoutJobs()
    {
        var source = await fixture.CreateDatabaseAsync("dmg");
        await H.Cluster.ExecuteAsync("CREATE TABLE big AS SELECT i, repeat('x', 50 + i % 50) AS pad FROM generate_series(1, 50000) i", source);
        var id = await DumpAsync("--database", source, "--format", "directory", "--jobs", "2");
        // The largest stored file is big's data. Change one character of it and store it again, compressed as before: the
        // stored file decompresses cleanly and pg_restore loads it without complaint (same row count), so only the
        // SHA-256 in the manifest can tell.
        var stored = Directory.GetFiles(Path.Combine(H.RepositoryPath, "servers", PgArkHarness.Server, "dumps", id, "data"))
            .OrderByDescending(f => new FileInfo(f).Length).First();
        var plain = new MemoryStream();
        await using (var input = PgArk.Core.Codecs.CompressionCodec.OpenDecompress(PgArk.Core.Codecs.CompressionType.Zstd, File.OpenRead(stored), leaveOpen: false))
        {
            await input.CopyToAsync(plain);
        }
        var bytes = plain.ToArray();
        var at = Array.IndexOf(bytes, (byte)'x', bytes.Length / 2);
        Assert.True(at > 0);
        bytes[at] = (byte)'y';
        await using (var output = PgArk.Core.Codecs.CompressionCodec.OpenCompress(PgArk.Core.Codecs.CompressionType.Zstd, File.Create(stored), 3, leaveOpen: false))
        {
            await output.WriteAsync(bytes);
        }

        foreach (var jobs in new[] { "2", "1" })
        {
            var target = $"{source}_j{jobs}";
            var restore = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--into", target, "--jobs", jobs);
            Assert.True(restore.ExitCode == 5, restore.ToString());
            Assert.Contains("does not match its manifest", restore.Stderr);
            Assert.Contains("must not be used", restore.Stderr);
        }
    }

    [Fact]
    public async Task Dump_SchemaOnly_RestoresTablesWithoutRows()
    {
        var source = await fixture.CreateDatabaseAsync("schema");
        await fixture.CreateCustomerSchemaAsync(source, alembicRevision: null);
        await DumpAsync("--database", source, "--mode", "schema");
        var target = source + "_s";
        var restore = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--into", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var snapshot = await TableSnapshot.CaptureDatabaseAsync(H.Cluster, target);
        Assert.Equal(["public.customers", "public.order_items", "public.orders"], snapshot.Tables.Keys);
        Assert.Equal(0, snapshot.RowCount);
    }

    [Fact]
    public async Task DumpRestore_OneTable_TouchesOnlyThatTable()
    {
        var source = await fixture.CreateDatabaseAsync("tbl");
        await fixture.CreateCustomerSchemaAsync(source, alembicRevision: "abc123");
        var orders = await TableSnapshot.CaptureTableAsync(H.Cluster, "public.order_items", source);
        await DumpAsync("--database", source, "--format", "directory", "--jobs", "2");
        await H.Cluster.ExecuteAsync("DELETE FROM order_items WHERE id > 10; UPDATE customers SET name = 'changed'", source);
        var customersAfterChange = await TableSnapshot.CaptureTableAsync(H.Cluster, "public.customers", source);

        var refused = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--table", "order_items");
        Assert.Equal(4, refused.ExitCode);
        var restore = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--table", "order_items", "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains("public.order_items", restore.Stdout);
        Assert.DoesNotContain("public.customers", restore.Stdout);
        Assert.Equal(orders.Tables, (await TableSnapshot.CaptureTableAsync(H.Cluster, "public.order_items", source)).Tables);
        Assert.Equal(customersAfterChange.Tables, (await TableSnapshot.CaptureTableAsync(H.Cluster, "public.customers", source)).Tables);

        var unknown = await H.RunAsync("dump-restore", "--server", PgArkHarness.Server, "--database", source, "--table", "nope", "--yes");
        Assert.Equal(3, unknown.ExitCode);
        Assert.Contains("table 'nope' is not in dump", unknown.Stderr);
        var verify = await H.RunAsync("verify-dump", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public async Task Dump_UnknownDatabaseOrTable_IsNotFound()
    {
        var missingDb = await H.RunAsync("dump", "--server", PgArkHarness.Server, "--database", "no_such_db");
        Assert.Equal(3, missingDb.ExitCode);
        Assert.Contains("database 'no_such_db' does not exist on server 'pg1'", missingDb.Stderr);
        var source = await fixture.CreateDatabaseAsync("nf");
        var missingTable = await H.RunAsync("dump", "--server", PgArkHarness.Server, "--database", source, "--table", "x\"; DROP TABLE y; --");
        Assert.Equal(3, missingTable.ExitCode);
        Assert.Contains("does not exist in database", missingTable.Stderr);
        var parallelCustom = await H.RunAsync("dump", "--server", PgArkHarness.Server, "--database", source, "--jobs", "2");
        Assert.Equal(2, parallelCustom.ExitCode);
    }
}
