using System.Diagnostics;
using PgArk.Core.Common;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Restore;

/// <summary>
/// One server (pg1, plain initdb: no data checksums) archiving through the real pgark executable, with seed 000's
/// customer_db and inventory_db, a mixed-case schema-qualified table ("Sales"."Quarter Totals") with a comment, a grant
/// and a trigger, and one full backup.
/// </summary>
public sealed class TableRestoreTopology : IAsyncLifetime
{
    public const string Customer = "customer_db";

    private const string SalesSetup = """
        CREATE ROLE sales_reader;
        CREATE SCHEMA "Sales";
        CREATE TABLE "Sales"."Quarter Totals" (id bigserial PRIMARY KEY, "Region" text NOT NULL, amount numeric(12,2) NOT NULL,
            touched_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX "Quarter Totals region" ON "Sales"."Quarter Totals" ("Region");
        COMMENT ON TABLE "Sales"."Quarter Totals" IS 'totals per region';
        GRANT SELECT ON "Sales"."Quarter Totals" TO sales_reader;
        CREATE FUNCTION "Sales".touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.touched_at := now(); RETURN NEW; END$$;
        CREATE TRIGGER touch BEFORE UPDATE ON "Sales"."Quarter Totals" FOR EACH ROW EXECUTE FUNCTION "Sales".touch();
        INSERT INTO "Sales"."Quarter Totals" ("Region", amount) SELECT 'region ' || i, i * 10 FROM generate_series(1, 40) i;
        """;

    private TempFolder? _folder;
    private TestCluster? _cluster;

    public string ConfigPath { get; private set; } = "";
    public TempFolder Folder => _folder!;
    public TestCluster Pg1 => _cluster!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(SelfCommand.ExecutableVariable, PgArkHarness.Executable);
        _folder = await TempFolder.CreateAsync(ownedByPostgres: true, CancellationToken.None);
        ConfigPath = _folder.Combine("pgark.yaml");
        var repository = _folder.Combine("repo-pg1");
        Directory.CreateDirectory(repository);
        await Posix.ChownToPostgresAsync(repository, recursive: false, CancellationToken.None);
        var archive = $"{SelfCommand.ShellQuote(PgArkHarness.Executable)} --config {SelfCommand.ShellQuote(ConfigPath)} archive-push --server pg1 %p";
        _cluster = await TestCluster.CreateAsync(new TestClusterOptions
        {
            DataChecksums = false,
            ArchiveMode = "on",
            ArchiveCommand = archive,
            Settings = new Dictionary<string, string> { ["wal_level"] = "replica" },
        }, CancellationToken.None);
        await File.WriteAllTextAsync(ConfigPath, $$"""
            lockPath: {{_folder.Combine("locks")}}
            repositories:
              - { name: pg1-repo, type: posix, path: {{repository}}, compression: zstd }
            servers:
              - name: pg1
                connection: "{{_cluster.ConnectionString()}}"
                pgdata: {{_cluster.DataDirectory}}
                repositories: [pg1-repo]

            """);
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        foreach (var database in new[] { Customer, "inventory_db" })
        {
            await _cluster.CreateDatabaseAsync(database);
            await _cluster.ExecuteAsync(await File.ReadAllTextAsync(Seed000Topology.SeedScript(database)), database);
        }
        await _cluster.ExecuteAsync(SalesSetup, Customer);
        var init = await RunAsync("init", "--server", "pg1");
        Assert.True(init.ExitCode == 0, init.ToString());
        var backup = await RunAsync("backup", "--server", "pg1", "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
    }

    public Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(["--config", ConfigPath, .. args]);

    /// <summary>Starts pgark as a child process (so a test can kill it).</summary>
    public Process StartProcess(params string[] args)
    {
        var info = new ProcessStartInfo(PgArkHarness.Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--config", ConfigPath, .. args])
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }

    /// <summary>A fresh, empty folder for sandboxes, so a test can check that nothing is left in it.</summary>
    public string SandboxFolder(string name)
    {
        var folder = Folder.Combine($"sandboxes-{name}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Every relation of the database (tables, indexes, sequences, views) with its schema: what a restore may add to.</summary>
    public async Task<IReadOnlyList<string>> RelationsAsync(string database = Customer) =>
        (await Pg1.ScalarAsync<string[]>("""
            SELECT array_agg(n.nspname || '.' || c.relname ORDER BY n.nspname || '.' || c.relname COLLATE "C") FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
            """, database))!;

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        _folder?.Dispose();
    }
}
