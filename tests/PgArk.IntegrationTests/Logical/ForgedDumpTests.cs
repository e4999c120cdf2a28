using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Logical;

/// <summary>
/// Issue 13, item 3: a dump is SQL from the repository. verify-dump-restore restores it into a scratch cluster as an
/// unprivileged role, so a dump that runs a program when restored (a materialized view whose refresh calls
/// COPY ... TO PROGRAM) runs nothing, and the production server gets no database, role or row from it.
/// </summary>
public sealed class ForgedDumpTests(LogicalHarnessFixture fixture) : IClassFixture<LogicalHarnessFixture>
{
    private PgArkHarness H => fixture.Harness;

    [Fact]
    public async Task VerifyDumpRestore_DumpRunsAProgramWhenRestored_NothingRuns_ProductionUntouched()
    {
        const string source = "forged_dump_db";
        await H.Cluster.CreateDatabaseAsync(source);
        using var markers = TempFolder.Create("pgark-it-dump-");
        File.SetUnixFileMode(markers.Path, (UnixFileMode)0x1FF);
        var marker = Path.Combine(markers.Path, "ran");
        await H.Cluster.ExecuteAsync($$"""
            CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10);
            CREATE FUNCTION side_effect() RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
                COPY (SELECT current_database()) TO PROGRAM 'cat >> {{marker}}';
                RETURN 1;
            END $$;
            CREATE MATERIALIZED VIEW m AS SELECT side_effect() AS x;
            """, source);
        // Creating the view ran the program once, on purpose: that proves the payload works where a superuser runs it.
        Assert.Equal(source, (await File.ReadAllTextAsync(marker)).Trim());
        File.Delete(marker);
        var dump = await H.RunAsync("--output", "json", "dump", "--server", PgArkHarness.Server, "--database", source);
        Assert.True(dump.ExitCode == 0, dump.ToString());
        var id = JsonDocument.Parse(dump.Stdout).RootElement.GetProperty("id").GetString()!;
        const string state = "SELECT string_agg(name, ',' ORDER BY name) FROM (SELECT datname AS name FROM pg_database UNION ALL SELECT rolname FROM pg_roles) n";
        var before = await H.Cluster.ScalarAsync<string>(state);

        var run = await H.RunAsync("verify-dump-restore", "--server", PgArkHarness.Server, "--dump", id);

        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.True(run.Stderr.Contains("must be superuser or have privileges of the pg_execute_server_program role", StringComparison.Ordinal), run.ToString());
        Assert.False(File.Exists(marker), "the dump's program ran: " + (File.Exists(marker) ? File.ReadAllText(marker) : ""));
        Assert.Equal(before, await H.Cluster.ScalarAsync<string>(state));
    }
}
