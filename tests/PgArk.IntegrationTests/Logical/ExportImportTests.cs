using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Logical;

public sealed class ExportImportTests(LogicalHarnessFixture fixture) : IClassFixture<LogicalHarnessFixture>
{
    private PgArkHarness H => fixture.Harness;

    private const string AllTypes = """"
        CREATE TABLE "Odd ""Table""" (
            id int PRIMARY KEY, big bigint, amount numeric(20,6), note text, flag boolean, day date, at timestamptz, span interval,
            ident uuid, doc json, docb jsonb, blob bytea, tags text[], nums int[], "Weird, ""col""" text);
        INSERT INTO "Odd ""Table""" VALUES
          (1, 9223372036854775807, 12345678901234.123456, 'quotes "x", commas, and' || chr(10) || 'newlines; ünïcødé ✓', true, '2024-02-29', '2024-03-01 10:11:12.345678+02', '1 day 02:03:04', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
           '{"a": [1, 2.5, null], "b": "x"}', '{"k": {"n": true}}', '\x00ff10', ARRAY['a', 'b,c', 'd"e', NULL, ''], ARRAY[1, NULL, 3], 'w'),
          (2, NULL, NULL, '', false, NULL, NULL, NULL, NULL, NULL, NULL, '\x', '{}', NULL, NULL),
          (3, -1, -0.5, 'NULL', NULL, 'infinity', '-infinity', '-3 mons', NULL, '[]', '"s"', NULL, ARRAY['\'], ARRAY[[1,2],[3,4]], '\.');
        """";

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public async Task ExportThenImport_EveryCommonType_RoundTrips(string format)
    {
        var database = await fixture.CreateDatabaseAsync("rt" + format);
        await H.Cluster.ExecuteAsync(AllTypes, database);
        var before = await TableSnapshot.CaptureTableAsync(H.Cluster, "public.Odd \"Table\"", database);
        var file = H.Folder.Combine($"all.{format}");
        var export = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "Odd \"Table\"", "--format", format, "--to", file);
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("exported 3 rows", export.Stdout);
        await H.Cluster.ExecuteAsync("TRUNCATE \"Odd \"\"Table\"\"\"", database);
        var import = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "public.Odd \"Table\"", "--format", format, "--from", file);
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("3 inserted", import.Stdout);
        Assert.Equal(before.Tables, (await TableSnapshot.CaptureTableAsync(H.Cluster, "public.Odd \"Table\"", database)).Tables);
    }

    [Fact]
    public async Task ExportJson_UsesRealJsonTypes()
    {
        var database = await fixture.CreateDatabaseAsync("jt");
        await H.Cluster.ExecuteAsync(AllTypes, database);
        var run = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "Odd \"Table\"", "--format", "json", "--where", "id=1");
        Assert.True(run.ExitCode == 0, run.ToString());
        var row = Assert.Single(JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray());
        Assert.Equal(JsonValueKind.Number, row.GetProperty("big").ValueKind);
        Assert.Equal(9223372036854775807, row.GetProperty("big").GetInt64());
        Assert.Equal(JsonValueKind.True, row.GetProperty("flag").ValueKind);
        Assert.Equal(2.5, row.GetProperty("doc").GetProperty("a")[1].GetDouble());
        Assert.Equal("AP8Q", row.GetProperty("blob").GetString());
        Assert.Equal("2024-03-01T08:11:12.345678+00:00", row.GetProperty("at").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("tags")[3].ValueKind);
        Assert.Equal("w", row.GetProperty("Weird, \"col\"").GetString());
    }

    [Fact]
    public async Task ExportCsv_NullIsEmptyEmptyStringIsQuotedAndCharKeepsItsPadding()
    {
        var database = await fixture.CreateDatabaseAsync("csv");
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int, a text, b text, c char(3)); INSERT INTO t VALUES (1, NULL, '', 'x'), (2, 'x,y', 'say \"hi\"', NULL)", database);
        var run = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--limit", "5");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("id,a,b,c\n1,,\"\",x  \n2,\"x,y\",\"say \"\"hi\"\"\",\n", run.Stdout);
    }

    [Fact]
    public async Task ExportCsv_CopyPathAndFilteredPath_WriteTheSameBytes()
    {
        var database = await fixture.CreateDatabaseAsync("same");
        await H.Cluster.ExecuteAsync(AllTypes + "; ALTER TABLE \"Odd \"\"Table\"\"\" ADD COLUMN grp int DEFAULT 7", database);
        var copied = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "Odd \"Table\"", "--format", "csv");
        var filtered = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "Odd \"Table\"", "--format", "csv",
            "--where", "grp=7");
        Assert.True(copied.ExitCode == 0, copied.ToString());
        Assert.True(filtered.ExitCode == 0, filtered.ToString());
        Assert.Contains("exported 3 rows", copied.Stderr);
        Assert.Contains("exported 3 rows", filtered.Stderr);
        Assert.Equal(copied.Stdout, filtered.Stdout);
        Assert.Contains("\"quotes \"\"x\"\", commas, and\nnewlines; ünïcødé ✓\"", copied.Stdout);
    }

    [Fact]
    public async Task Export_RepeatedWherePairs_AllMustMatch_ToStdoutByDefault()
    {
        var database = await fixture.CreateDatabaseAsync("pairs");
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int, status text, n int); INSERT INTO t VALUES (1, 'new', 1), (2, 'new', 2), (3, 'old', 1)", database);
        var run = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv",
            "--where", "status=new", "--where", "n=1");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("id,status,n\n1,new,1\n", run.Stdout);
        Assert.Contains("exported 1 rows", run.Stderr);

        var twice = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv",
            "--where", "n=1", "--where", "n=2");
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("--where: 'n' is given twice", twice.Stderr);
        var notAPair = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--where", "status");
        Assert.Equal(2, notAPair.ExitCode);
        Assert.Contains("--where 'status' is not KEY=VALUE", notAPair.Stderr);
    }

    [Fact]
    public async Task Export_UnknownNamesAndInjection_AreRefusedAndChangeNothing()
    {
        var database = await fixture.CreateDatabaseAsync("inj");
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b')", database);
        var before = await TableSnapshot.CaptureDatabaseAsync(H.Cluster, database);

        var table = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t; DROP TABLE t", "--format", "csv");
        Assert.Equal(3, table.ExitCode);
        Assert.Contains($"table 't; DROP TABLE t' does not exist in database '{database}'", table.Stderr);
        var column = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv",
            "--where", "name\"; DROP TABLE t; --=x");
        Assert.Equal(3, column.ExitCode);
        Assert.Contains("column 'name\"; DROP TABLE t; --' does not exist in table 'public.t'", column.Stderr);
        var value = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "json",
            "--where", "name=a' OR '1'='1'; DROP TABLE t; --");
        Assert.True(value.ExitCode == 0, value.ToString());
        Assert.Equal(0, JsonDocument.Parse(value.Stdout).RootElement.GetArrayLength());
        var db = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", "nodb", "--table", "t", "--format", "csv");
        Assert.Equal(3, db.ExitCode);
        var badValue = await H.RunAsync("export", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--where", "id=1 OR 1=1");
        Assert.Equal(2, badValue.ExitCode);
        Assert.Equal(before.Tables, (await TableSnapshot.CaptureDatabaseAsync(H.Cluster, database)).Tables);
    }

    [Fact]
    public async Task CliImport_FromASymbolicLink_RefusedNothingRead_TheTargetItselfImports()
    {
        var database = await fixture.CreateDatabaseAsync("implink");
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, name text)", database);
        var target = H.Folder.Combine($"{database}-data.csv");
        await File.WriteAllTextAsync(target, "id,name\n1,one\n");
        var link = H.Folder.Combine($"{database}-upload.csv");
        File.CreateSymbolicLink(link, target);

        var refused = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--from", link);
        Assert.True(refused.ExitCode == 4, refused.ToString());
        Assert.Contains($"'{link}' is a symbolic link; import does not follow links", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await H.Cluster.ScalarAsync<long>("SELECT count(*) FROM t", database));

        var imported = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--from", target);
        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Equal(1, await H.Cluster.ScalarAsync<long>("SELECT count(*) FROM t", database));
    }

    [Fact]
    public async Task Import_ConflictModes_ErrorRollsBackSkipKeepsUpdateUpserts()
    {
        var database = await fixture.CreateDatabaseAsync("imp");
        await H.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, name text, n int); INSERT INTO t VALUES (1, 'old', 1); CREATE TABLE nopk (a int)", database);
        var file = H.Folder.Combine($"{database}.csv");
        await File.WriteAllTextAsync(file, "id,name,n\n2,two,2\n1,new,10\n3,three,x\n");

        var error = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--from", file);
        Assert.Equal(1, error.ExitCode);
        Assert.Contains("row 2 of the csv file cannot be imported into public.t", error.Stderr);
        Assert.Equal(1, await H.Cluster.ScalarAsync<long>("SELECT count(*) FROM t", database));

        var skip = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--from", file, "--on-conflict", "skip");
        Assert.True(skip.ExitCode == 0, skip.ToString());
        Assert.Contains("3 rows read, 1 inserted, 0 updated, 1 skipped, 1 failed", skip.Stdout);
        Assert.Contains("row 3: invalid input syntax for type integer", skip.Stdout);
        Assert.Equal("old", await H.Cluster.ScalarAsync<string>("SELECT name FROM t WHERE id = 1", database));

        // Only an update import overwrites rows, so only it needs --yes; without a terminal to ask on it is refused (exit 4), nothing changed.
        var unconfirmed = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--from", file,
            "--on-conflict", "update");
        Assert.True(unconfirmed.ExitCode == 4, unconfirmed.ToString());
        Assert.Contains("add --yes", unconfirmed.Stderr);
        Assert.Equal("old", await H.Cluster.ScalarAsync<string>("SELECT name FROM t WHERE id = 1", database));

        var update = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv", "--from", file, "--on-conflict", "update", "--yes");
        Assert.True(update.ExitCode == 0, update.ToString());
        Assert.Contains("0 inserted, 2 updated", update.Stdout);
        Assert.Equal("new", await H.Cluster.ScalarAsync<string>("SELECT name FROM t WHERE id = 1", database));

        var headerless = H.Folder.Combine($"{database}-noheader.csv");
        await File.WriteAllTextAsync(headerless, "4,four,4\n5,,\n");
        var noHeader = await H.RunAsync("--output", "json", "import", "--server", PgArkHarness.Server, "--database", database, "--table", "t", "--format", "csv",
            "--from", headerless, "--no-header");
        Assert.True(noHeader.ExitCode == 0, noHeader.ToString());
        // --output json is import_table's REST/MCP result (snake_case).
        using (var json = System.Text.Json.JsonDocument.Parse(noHeader.Stdout))
        {
            Assert.Equal(("public.t", 2L, 0), (json.RootElement.GetProperty("table").GetString(), json.RootElement.GetProperty("inserted").GetInt64(),
                json.RootElement.GetProperty("failures").GetArrayLength()));
        }
        Assert.Equal("4:four:4|5::", await H.Cluster.ScalarAsync<string>(
            "SELECT string_agg(id || ':' || coalesce(name, '') || ':' || coalesce(n::text, ''), '|' ORDER BY id) FROM t WHERE id >= 4", database));

        var noKey = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "nopk", "--format", "csv", "--from", file, "--on-conflict", "update", "--yes");
        Assert.Equal(2, noKey.ExitCode);
        Assert.Contains("table 'public.nopk' has no primary key", noKey.Stderr);
        var unknownColumn = await H.RunAsync("import", "--server", PgArkHarness.Server, "--database", database, "--table", "nopk", "--format", "csv", "--from", file);
        Assert.Equal(3, unknownColumn.ExitCode);
        Assert.Contains("column 'id' does not exist in table 'public.nopk'", unknownColumn.Stderr);
    }
}
