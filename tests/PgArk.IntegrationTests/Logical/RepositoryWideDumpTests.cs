using System.Text.Json;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Logical;

/// <summary>A harness whose repository keeps one dump per database (logicalKeep: 1) and which has an export folder.</summary>
public sealed class RetentionHarnessFixture : IAsyncLifetime
{
    private PgArkHarness? _harness;

    public PgArkHarness Harness => _harness ?? throw new InvalidOperationException("not initialized");

    public string ExportFolder => Harness.Folder.Combine("exports");

    public async Task InitializeAsync()
    {
        _harness = await PgArkHarness.CreateAsync(compression: "zstd");
        Directory.CreateDirectory(ExportFolder);
        var config = await File.ReadAllTextAsync(Harness.ConfigPath);
        config = config.Replace("    compression: zstd\n", "    compression: zstd\n    retention: { logicalKeep: 1 }\n", StringComparison.Ordinal)
            .Replace("    repositories: [local]\n", """
                    repositories: [local]
                    verify:
                      amcheck: false
                      databases:
                        verifydb:
                          minRows: { t: 100 }
                          queries: { never: "SELECT false" }

                """, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Harness.ConfigPath, config + $"exports:\n  path: {ExportFolder}\n");
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }
}

/// <summary>Dumps in the repository-wide commands: info, list_backups, verify, expire, delete_backup, and the dump lock.</summary>
public sealed class RepositoryWideDumpTests(RetentionHarnessFixture fixture) : IClassFixture<RetentionHarnessFixture>
{
    private PgArkHarness H => fixture.Harness;

    private OperationContext Context() => new(ConfigLoader.Load(H.ConfigPath));

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private async Task<string> DumpAsync(string database, string label)
    {
        var run = await H.RunAsync("--output", "json", "dump", "--server", PgArkHarness.Server, "--database", database, "--label", label);
        Assert.True(run.ExitCode == 0, run.ToString());
        return Json(run.Stdout).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Dumps_AreListedVerifiedExpiredAndDeletedWithPhysicalBackups()
    {
        var database = "wide_" + Guid.NewGuid().ToString("N")[..6];
        await H.Cluster.CreateDatabaseAsync(database);
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 100) i", database);
        var full = await H.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(full.ExitCode == 0, full.ToString());
        var fullId = Json(full.Stdout).GetProperty("backup_id").GetString()!;
        var incr = await H.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "incr");
        Assert.True(incr.ExitCode == 0, incr.ToString());
        var incrId = Json(incr.Stdout).GetProperty("backup_id").GetString()!;
        var first = await DumpAsync(database, "first");
        var second = await DumpAsync(database, "second");

        var info = await H.RunAsync("--output", "json", "info", "--server", PgArkHarness.Server);
        Assert.True(info.ExitCode == 0, info.ToString());
        var server = Json(info.Stdout).GetProperty("servers")[0];
        Assert.Equal([first, second], server.GetProperty("dumps").EnumerateArray().Select(d => d.GetProperty("id").GetString()));
        Assert.Equal("second", server.GetProperty("dumps")[1].GetProperty("label").GetString());
        var text = await H.RunAsync("info", "--server", PgArkHarness.Server);
        Assert.Contains($"dump {second}  database {database}, full", text.Stdout);

        var listed = await OperationRegistry.Default.InvokeAsync(Context(), "list_backups", Json($$"""{"database": "{{database}}", "limit": 1}"""), default);
        var servers = listed.Result!["servers"]!.AsArray();
        Assert.Equal(second, servers[0]!["dumps"]!.AsArray().Single()!["id"]!.GetValue<string>());
        Assert.Equal(incrId, servers[0]!["backups"]!.AsArray().Single()!["id"]!.GetValue<string>());
        var dumpsOnly = (await OperationRegistry.Default.InvokeAsync(Context(), "list_backups",
            Json("""{"server": "pg1", "type": "dump", "sort_by": "size"}"""), default)).Result!["servers"]![0]!;
        Assert.Empty(dumpsOnly["backups"]!.AsArray());
        Assert.Equal(2, dumpsOnly["dumps"]!.AsArray().Count);
        var fullOnly = (await OperationRegistry.Default.InvokeAsync(Context(), "list_backups", Json("""{"server": "pg1", "type": "full"}"""), default))
            .Result!["servers"]![0]!;
        Assert.Equal(fullId, fullOnly["backups"]!.AsArray().Single()!["id"]!.GetValue<string>());
        Assert.Empty(fullOnly["dumps"]!.AsArray());
        var tableDumps = (await OperationRegistry.Default.InvokeAsync(Context(), "list_backups", Json("""{"server": "pg1", "type": "table"}"""), default))
            .Result!["servers"]![0]!;
        Assert.Empty(tableDumps["dumps"]!.AsArray());

        var verify = await H.RunAsync("--output", "json", "verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal(2, Json(verify.Stdout).GetProperty("dumps_checked").GetInt32());
        // A damaged dump file is an integrity failure of the repository-wide verify, naming the dump.
        var stored = Directory.GetFiles(Path.Combine(H.RepositoryPath, "servers", PgArkHarness.Server, "dumps", first, "data")).Single();
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[^8] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes);
        var damaged = await H.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.Equal(5, damaged.ExitCode);
        Assert.Contains($"PROBLEM  dump {first}:", damaged.Stdout);
        var onlySecond = await H.RunAsync("verify", "--server", PgArkHarness.Server, "--backup", second);
        Assert.True(onlySecond.ExitCode == 0, onlySecond.ToString());

        // expire-dumps (generated from the registry): a dry run with --keep plans the same removal, no --yes needed
        // (retention is routine), and prints the registry's snake_case JSON.
        var planned = await H.RunAsync("expire-dumps", "--server", PgArkHarness.Server, "--keep", "1", "--dry-run");
        Assert.True(planned.ExitCode == 0, planned.ToString());
        Assert.Contains($"would remove {first} ({database}): not among the 1 newest of database '{database}'", planned.Stdout);
        Assert.Contains("dump(s) to remove", planned.Stdout);
        var plannedJson = await H.RunAsync("--output", "json", "expire-dumps", "--server", PgArkHarness.Server, "--keep", "1", "--dry-run");
        Assert.True(plannedJson.ExitCode == 0, plannedJson.ToString());
        Assert.True(Json(plannedJson.Stdout).GetProperty("dry_run").GetBoolean(), plannedJson.Stdout);
        Assert.Contains(Json(plannedJson.Stdout).GetProperty("expired").EnumerateArray(), e => e.GetProperty("id").GetString() == first);
        Assert.True(Directory.Exists(Path.Combine(H.RepositoryPath, "servers", PgArkHarness.Server, "dumps", first)));

        // expire applies logicalKeep: 1 together with physical retention (none configured here: no backup goes).
        var dryRun = await H.RunAsync("expire", "--server", PgArkHarness.Server, "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains($"would remove dump {first} of database '{database}': not among the 1 newest", dryRun.Stdout);
        var expire = await H.RunAsync("--output", "json", "expire", "--server", PgArkHarness.Server);
        Assert.True(expire.ExitCode == 0, expire.ToString());
        Assert.Equal(first, Json(expire.Stdout).GetProperty("repositories")[0].GetProperty("dumps")[0].GetProperty("id").GetString());
        Assert.False(Directory.Exists(Path.Combine(H.RepositoryPath, "servers", PgArkHarness.Server, "dumps", first)));

        // delete_backup: a dump by id, and a physical backup only when nothing depends on it.
        var unconfirmed = await Assert.ThrowsAsync<ConfirmationRequiredException>(() =>
            OperationRegistry.Default.InvokeAsync(Context(), "delete_backup", Json($$"""{"server": "pg1", "backup_id": "{{second}}"}"""), default));
        Assert.Equal("'delete_backup' is destructive and needs confirmation", unconfirmed.Message);
        var deleted = await OperationRegistry.Default.InvokeAsync(Context(), "delete_backup",
            Json($$"""{"server": "pg1", "backup_id": "{{second}}", "confirm": true}"""), default);
        Assert.Equal("dump", deleted.Result!["kind"]!.GetValue<string>());
        Assert.Equal(database, deleted.Result!["database"]!.GetValue<string>());
        var needed = await H.RunAsync("delete-backup", "--server", PgArkHarness.Server, "--backup", fullId, "--yes");
        Assert.Equal(4, needed.ExitCode);
        Assert.Contains($"backup '{fullId}' is needed by {incrId}", needed.Stderr);
        var incrGone = await H.RunAsync("delete-backup", "--server", PgArkHarness.Server, "--backup", incrId, "--yes");
        Assert.True(incrGone.ExitCode == 0, incrGone.ToString());
        var after = Json((await H.RunAsync("--output", "json", "info", "--server", PgArkHarness.Server)).Stdout).GetProperty("servers")[0];
        Assert.Equal([fullId], after.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("id").GetString()));
        Assert.Equal(0, after.GetProperty("dumps").GetArrayLength());
    }

    [Fact]
    public async Task DumpLock_HeldByAnother_RefusesDumpDeleteAndExpire()
    {
        var database = "lock_" + Guid.NewGuid().ToString("N")[..6];
        await H.Cluster.CreateDatabaseAsync(database);
        var id = await DumpAsync(database, "kept");
        var options = ConfigLoader.Load(H.ConfigPath);
        await using (await ServerLock.AcquireAsync(options.LockPath, PgArkHarness.Server, "dump"))
        {
            var dump = await H.RunAsync("dump", "--server", PgArkHarness.Server, "--database", database);
            Assert.Equal(4, dump.ExitCode);
            Assert.Contains("unable to acquire dump lock for server 'pg1'", dump.Stderr);
            var delete = await H.RunAsync("delete-backup", "--server", PgArkHarness.Server, "--backup", id, "--yes");
            Assert.Equal(4, delete.ExitCode);
            var expire = await H.RunAsync("expire", "--server", PgArkHarness.Server);
            Assert.True(expire.ExitCode == 4, expire.ToString());
        }
        var list = await H.RunAsync("--output", "json", "dumps", "--server", PgArkHarness.Server, "--database", database);
        Assert.Equal(id, Json(list.Stdout).GetProperty("dumps")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task ExportImportThroughTheRegistry_StayInsideTheExportFolder()
    {
        var database = "api_" + Guid.NewGuid().ToString("N")[..6];
        await H.Cluster.CreateDatabaseAsync(database);
        await H.Cluster.ExecuteAsync("""
            CREATE TABLE books (id int PRIMARY KEY, title text, status text, series_id int);
            INSERT INTO books VALUES (1, 'a, "b"', 'published', 1), (2, 'c', 'draft', 1), (3, 'ü', 'published', 2);
            CREATE TABLE books_copy (LIKE books INCLUDING ALL);
            """, database);
        // REST, MCP and the assistant over them are remote callers: their file names stay inside the export folder.
        var context = Context().For(OperationCaller.Remote);
        var exported = await OperationRegistry.Default.InvokeAsync(context, "export_table", Json($$"""
            {"database": "{{database}}", "table": "books", "format": "json", "to": "books.json", "where": {"status": "published"}, "limit": 10}
            """), default);
        Assert.Equal(2, exported.Result!["rows"]!.GetValue<long>());
        Assert.True(File.Exists(Path.Combine(fixture.ExportFolder, "books.json")));
        var numeric = await OperationRegistry.Default.InvokeAsync(context, "export_table", Json($$"""
            {"database": "{{database}}", "table": "books", "format": "csv", "to": "series.csv", "where": {"series_id": 1} }
            """), default);
        Assert.Equal(2, numeric.Result!["rows"]!.GetValue<long>());

        foreach (var (tool, path) in new[] { ("export_table", "../escape.json"), ("export_table", "/tmp/escape.json"), ("import_table", "../pgark.yaml") })
        {
            var key = tool == "export_table" ? "to" : "from";
            var refused = await Assert.ThrowsAsync<RefusedException>(() => OperationRegistry.Default.InvokeAsync(context, tool, Json($$"""
                {"database": "{{database}}", "table": "books", "format": "json", "{{key}}": "{{path}}", "confirm": true}
                """), default));
            Assert.Equal($"'{path}' is outside the export folder '{fixture.ExportFolder}'", refused.Message);
        }
        File.CreateSymbolicLink(Path.Combine(fixture.ExportFolder, "config.json"), H.ConfigPath);
        var link = await Assert.ThrowsAsync<RefusedException>(() => OperationRegistry.Default.InvokeAsync(context, "import_table", Json($$"""
            {"database": "{{database}}", "table": "books", "format": "json", "from": "config.json", "confirm": true}
            """), default));
        Assert.EndsWith("through a symbolic link", link.Message);
        Assert.False(File.Exists("/tmp/escape.json"));

        var unconfirmed = await Assert.ThrowsAsync<ConfirmationRequiredException>(() => OperationRegistry.Default.InvokeAsync(context, "import_table", Json($$"""
            {"database": "{{database}}", "table": "books_copy", "format": "json", "from": "books.json", "on_conflict": "update"}
            """), default));
        Assert.Equal("'import_table' is destructive and needs confirmation", unconfirmed.Message);
        var imported = await OperationRegistry.Default.InvokeAsync(context, "import_table", Json($$"""
            {"database": "{{database}}", "table": "books_copy", "format": "json", "from": "books.json", "on_conflict": "update", "confirm": true}
            """), default);
        Assert.Equal(2, imported.Result!["inserted"]!.GetValue<long>());
        Assert.Equal(
            (await TableSnapshot.CaptureTableAsync(H.Cluster, "public.books", database)).Tables["public.books"].Where(r => r.Contains("published")),
            (await TableSnapshot.CaptureTableAsync(H.Cluster, "public.books_copy", database)).Tables["public.books_copy"]);

        var disabled = new OperationContext(context.Options with { Exports = null }).For(OperationCaller.Remote);
        var off = await Assert.ThrowsAsync<RefusedException>(() => OperationRegistry.Default.InvokeAsync(disabled, "export_table", Json($$"""
            {"database": "{{database}}", "table": "books", "format": "csv", "to": "x.csv"}
            """), default));
        Assert.Equal("export and import through the API are disabled: no export folder is configured", off.Message);

        var missing = await Assert.ThrowsAsync<UsageException>(() => OperationRegistry.Default.InvokeAsync(context, "export_table", Json($$"""
            {"database": "{{database}}", "table": "books", "format": "csv"}
            """), default));
        Assert.StartsWith("argument 'to' is required", missing.Message, StringComparison.Ordinal);

        // The CLI is not confined, but import --on-conflict update still needs --yes (without a terminal to ask on: exit 4).
        var cli = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "books_copy", "--format", "json",
            "--from", Path.Combine(fixture.ExportFolder, "books.json"), "--on-conflict", "update");
        Assert.Equal(4, cli.ExitCode);
        Assert.Contains("add --yes", cli.Stderr);
    }

    [Fact]
    public async Task ExportImportOutputJson_IsTheResultRestAndMcpReturn()
    {
        var database = "json_" + Guid.NewGuid().ToString("N")[..6];
        await H.Cluster.CreateDatabaseAsync(database);
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b')", database);
        var remote = Context().For(OperationCaller.Remote);

        var api = await OperationRegistry.Default.InvokeAsync(remote, "export_table", Json($$"""
            {"server": "{{PgArkHarness.Server}}", "database": "{{database}}", "table": "t", "format": "csv", "to": "{{database}}.csv"}
            """), default);
        Assert.Equal($"{database}.csv", api.Result!["file"]!.GetValue<string>());
        var cliFile = Path.Combine(fixture.ExportFolder, $"{database}-cli.csv");
        var cli = await H.RunAsync("--output", "json", "export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv",
            "--to", cliFile);
        Assert.True(cli.ExitCode == 0, cli.ToString());
        // The same result record: only the file differs, the name the API caller gave inside the export folder, the full path here.
        var expected = api.Result.DeepClone();
        expected["file"] = cliFile;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, System.Text.Json.Nodes.JsonNode.Parse(cli.Stdout)), $"{cli.Stdout} vs {api.Result}");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(fixture.ExportFolder, $"{database}.csv")), await File.ReadAllTextAsync(cliFile));

        // Without --to the rows are stdout's alone; the result (file null) goes to stderr.
        var streamed = await H.RunAsync("--output", "json", "export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv");
        Assert.True(streamed.ExitCode == 0, streamed.ToString());
        Assert.Equal(await File.ReadAllTextAsync(cliFile), streamed.Stdout);
        var summary = System.Text.Json.Nodes.JsonNode.Parse(streamed.Stderr)!;
        expected["file"] = null;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, summary), streamed.Stderr);

        // An import that skips every existing row: the command line (no --yes needed) and the API return the same JSON.
        var imported = await H.RunAsync("--output", "json", "import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv",
            "--from", cliFile, "--on-conflict", "skip");
        Assert.True(imported.ExitCode == 0, imported.ToString());
        var apiImport = await OperationRegistry.Default.InvokeAsync(remote, "import_table", Json($$"""
            {"server": "{{PgArkHarness.Server}}", "database": "{{database}}", "table": "t", "format": "csv", "from": "{{database}}.csv", "on_conflict": "skip", "confirm": true}
            """), default);
        Assert.Equal(2, apiImport.Result!["skipped"]!.GetValue<long>());
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(apiImport.Result, System.Text.Json.Nodes.JsonNode.Parse(imported.Stdout)),
            $"{imported.Stdout} vs {apiImport.Result}");
    }

    [Fact]
    public async Task VerifyDumpRestore_RunsTheConfiguredChecksOnTheCopy_AndNoCleanupKeepsIt()
    {
        await H.Cluster.CreateDatabaseAsync("verifydb");
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 150)", "verifydb");
        var id = await DumpAsync("verifydb", "checks");
        var run = await H.RunAsync("verify-dump-restore", "--server", PgArkHarness.Server, "--dump", id, "--no-cleanup");
        Assert.Equal(5, run.ExitCode);
        Assert.Contains("check verifydb: table t has at least 100 rows: passed (150 rows)", run.Stdout);
        Assert.Contains("problem: check 'verifydb: query never' failed: returned false", run.Stdout);
        // The copy lives in a scratch cluster, never on the production server; --no-cleanup keeps that cluster, stopped.
        Assert.Equal(0L, await H.Cluster.ScalarAsync<long>("SELECT count(*) FROM pg_database WHERE datname LIKE 'verifydb_verify_%'"));
        var kept = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"restored into '(verifydb_verify_\d+)' of a scratch cluster \(kept, stopped, in ([^)]+)\)");
        Assert.True(kept.Success, run.Stdout);
        var folder = kept.Groups[2].Value;
        try
        {
            Assert.True(File.Exists(Path.Combine(folder, "data", "PG_VERSION")), folder);
            Assert.False(File.Exists(Path.Combine(folder, "data", "postmaster.pid")), "the kept scratch cluster is still running");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
