using System.Diagnostics;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Stores;

namespace PgArk.Tests.Stores;

/// <summary>
/// Neo4j backups against the <c>neo4j-admin</c> stand-in script and <see cref="Neo4jHttpStandIn"/> (Neo4j 5 and 4.x
/// syntax; verified against the stand-ins, not a real Neo4j).
/// </summary>
public sealed class Neo4jStoreTests
{
    internal static string AdminScript(string folder) => Neo4jHttpStandIn.InstallAdminScript(folder);

    private static StoreTestSetup Setup(string admin, string home, Uri http, string passwordFile, int version) => new($"""
          - name: graph
            type: neo4j
            databases: [neo4j, people]
            adminCommand: {admin}
            version: {version}
            home: {home}
            httpUrl: {http}
            username: neo4j
            passwordFile: {passwordFile}
        """);

    [Theory]
    [InlineData(5)]
    [InlineData(4)]
    public async Task Neo4j_BackupVerifyRestoreValidate_RoundTrip(int version)
    {
        using var folder = new TestDoubles.TemporaryFolder();
        var home = folder.Combine("neo4j");
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [["Person"], ["Person", "Admin"], ["Doc"]], ["KNOWS", "WROTE"]);
        Neo4jHttpStandIn.WriteGraph(home, "people", [["Person"]], []);
        await using var http = new Neo4jHttpStandIn(home, "neo4j", "graph-pass");
        File.WriteAllText(folder.Combine("password"), "graph-pass");
        using var setup = Setup(AdminScript(folder.Path), home, http.BaseAddress, folder.Combine("password"), version);

        var backup = (BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "graph" })).Value!;

        var neo4j = backup.Backup.Items[0];
        Assert.Equal(("neo4j", "0001-neo4j.dump"), (neo4j.Name, neo4j.File));
        Assert.Equal(new Dictionary<string, long> { ["nodes"] = 3, ["relationships"] = 2, ["label:Person"] = 2, ["label:Admin"] = 1, ["label:Doc"] = 1,
            ["type:KNOWS"] = 1, ["type:WROTE"] = 1 }, neo4j.Counts);
        Assert.Contains(backup.Backup.Notes, n => n.Contains("Community edition", StringComparison.Ordinal));
        var args = File.ReadAllLines(Path.Combine(home, "admin-args.log"));
        Assert.StartsWith(version == 5 ? "database dump neo4j --to-stdout" : "dump --database=neo4j --to=/", args[0], StringComparison.Ordinal);

        Assert.Empty(((VerifyStoreResult)(await setup.RunAsync("verify_store", new { store = "graph" })).Value!).Problems);

        // The graph loses a node; the restore brings the dump back over it.
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [["Person"]], ["KNOWS", "WROTE"]);
        var broken = await setup.RunAsync("validate_store", new { store = "graph", item = "neo4j" });
        Assert.Equal("database 'neo4j' has 0 nodes labelled Admin, the backup recorded 1; database 'neo4j' has 0 nodes labelled Doc, the backup recorded 1; "
            + "database 'neo4j' has 1 nodes labelled Person, the backup recorded 2; database 'neo4j' has 1 nodes, the backup recorded 3", broken.Verdict.Failure);

        var restore = await setup.RunAsync("restore_store", new { store = "graph", item = "neo4j", confirm = true });
        Assert.False(restore.Verdict.Failed, restore.Verdict.Failure);
        Assert.Empty(((RestoreStoreResult)restore.Value!).Validations.Single().Problems);
        var load = File.ReadAllLines(Path.Combine(home, "admin-args.log")).Last();
        Assert.Equal(version == 5 ? "database load neo4j --from-stdin --overwrite-destination=true" : "--database=neo4j --force",
            version == 5 ? load : load[(load.IndexOf(" --database", StringComparison.Ordinal) + 1)..]);

        // Into a scratch database, then validated there.
        var scratch = await setup.RunAsync("restore_store", new { store = "graph", item = "people", into = "people_check", confirm = true });
        Assert.False(scratch.Verdict.Failed, scratch.Verdict.Failure);
        Assert.True(File.Exists(Path.Combine(home, "data", "databases", "people_check", "graph.json")));
    }

    [Fact]
    public async Task Neo4j_RestoreWithoutConfirm_IsRefused_AndWrongPasswordIsClear()
    {
        using var folder = new TestDoubles.TemporaryFolder();
        var home = folder.Combine("neo4j");
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [["Person"]], []);
        Neo4jHttpStandIn.WriteGraph(home, "people", [["Person"]], []);
        await using var http = new Neo4jHttpStandIn(home, "neo4j", "graph-pass");
        File.WriteAllText(folder.Combine("password"), "wrong");
        using var setup = Setup(AdminScript(folder.Path), home, http.BaseAddress, folder.Combine("password"), 5);

        var (backupExit, backupOutput, _) = await setup.CliAsync("backup-store", "graph");
        Assert.Equal(0, backupExit);
        Assert.Contains("note: neo4j-admin dump needs the database stopped: with Neo4j Community edition stop the Neo4j server", backupOutput);
        var backup = (ListStoreBackupsResult)(await setup.RunAsync("list_store_backups", new { store = "graph" })).Value!;
        Assert.Empty(backup.Stores.Single().Backups.Single().Items[0].Counts);
        Assert.Contains(backup.Stores.Single().Backups.Single().Notes, n => n.StartsWith("counts of database 'neo4j' not recorded", StringComparison.Ordinal)
            && n.Contains("rejected the credentials of user 'neo4j' (HTTP 401)", StringComparison.Ordinal));

        var (exit, _, stderr) = await setup.CliAsync("restore-store", "graph");
        Assert.Equal(4, exit);
        Assert.DoesNotContain("database load", File.ReadAllText(Path.Combine(home, "admin-args.log")), StringComparison.Ordinal);
        Assert.Contains("--yes", stderr);
    }

    [Fact]
    public async Task Neo4j_DatabaseInUse_DumpFails_WithTheCommunityEditionHint()
    {
        using var folder = new TestDoubles.TemporaryFolder();
        var home = folder.Combine("neo4j");
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [["Person"]], []);
        Directory.CreateDirectory(Path.Combine(home, "run"));
        File.WriteAllText(Path.Combine(home, "run", "neo4j.online"), "");
        using var setup = new StoreTestSetup($"""
              - name: graph
                type: neo4j
                adminCommand: {AdminScript(folder.Path)}
                home: {home}
            """);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() => setup.RunAsync("backup_store", new { store = "graph" }));

        Assert.Equal("neo4j-admin dump of database 'neo4j' (Neo4j store 'graph') failed with exit code 1: The database 'neo4j' is in use. " +
            "Stop database 'neo4j' and try again (Community edition: stop the Neo4j server).", error.Message);
        Assert.StartsWith("neo4j-admin dump needs the database stopped: with Neo4j Community edition stop the Neo4j server", error.Hint, StringComparison.Ordinal);
        Assert.Empty(await setup.Context.StoreCatalogFor(setup.Context.Options.GetStore("graph")).ListAsync("graph", CancellationToken.None));
    }

    [Fact]
    public async Task Neo4jStandIn_LoadOntoExistingDatabaseWithoutOverwrite_IsRefused()
    {
        using var folder = new TestDoubles.TemporaryFolder();
        var home = folder.Combine("neo4j");
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [["Person"]], []);
        var admin = AdminScript(folder.Path);
        var dump = folder.Combine("neo4j.dump");
        Assert.Equal(0, (await RunAsync(admin, home, ["dump", "--database=neo4j", $"--to={dump}"], null)).Exit);

        var (code, stderr) = await RunAsync(admin, home, ["database", "load", "neo4j", "--from-stdin"], dump);
        Assert.Equal(1, code);
        Assert.Contains("Database already exists: neo4j", stderr);

        Assert.Equal(0, (await RunAsync(admin, home, ["database", "load", "neo4j", "--from-stdin", "--overwrite-destination=true"], dump)).Exit);
    }

    private static async Task<(int Exit, string Stderr)> RunAsync(string admin, string home, string[] args, string? stdin)
    {
        var info = new ProcessStartInfo(admin) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["NEO4J_HOME"] = home;
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (stdin is not null)
        {
            try
            {
                await using var input = File.OpenRead(stdin);
                await input.CopyToAsync(process.StandardInput.BaseStream);
            }
            catch (IOException)
            {
                // The stand-in refused before reading.
            }
        }
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        await process.WaitForExitAsync();
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
