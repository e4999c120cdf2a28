using System.Text.Json;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using PgArk.Server.Api;
using PgArk.Tests.Stores;

namespace PgArk.IntegrationTests.Stores;

/// <summary>
/// Issue 16's "done when": <c>pgark serve</c>'s backupSet schedule backs up a real PostgreSQL cluster, a Qdrant stand-in and a
/// Neo4j stand-in (neo4j-admin script plus HTTP transaction API) in one set; after all three change, one <c>restore-set</c>
/// brings each back as it was at the set. Qdrant and Neo4j are stand-ins that follow their documented APIs (neither can be
/// installed here); PostgreSQL is real, restored into its own data directory through the ordinary restore path.
/// </summary>
public class BackupSetRestoreTests
{
    [Fact]
    public async Task ScheduledSet_OfPostgresQdrantNeo4j_RestoreSetBringsEachBack()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric);
            INSERT INTO accounts SELECT g, md5(g::text), g * 10 FROM generate_series(1, 3000) g;
            """);
        var atBackup = await TableSnapshot.CaptureDatabaseAsync(h.Cluster);

        await using var qdrant = new QdrantStandIn(h.Folder.Combine("qdrant"), apiKey: null);
        qdrant.AddCollection("docs", 5);
        var home = h.Folder.Combine("neo4j");
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [["Person"], ["Person", "Admin"], ["Doc"]], ["KNOWS", "WROTE"]);
        await using var neo4jHttp = new Neo4jHttpStandIn(home, "neo4j", "graph-pass");
        await File.WriteAllTextAsync(h.Folder.Combine("neo4j-password"), "graph-pass");
        await File.AppendAllTextAsync(h.ConfigPath, $"""
            stores:
              - name: vectors
                type: qdrant
                url: {qdrant.BaseAddress}
              - name: graph
                type: neo4j
                adminCommand: {Neo4jHttpStandIn.InstallAdminScript(h.Folder.Path)}
                home: {home}
                httpUrl: {neo4jHttp.BaseAddress}
                username: neo4j
                passwordFile: {h.Folder.Combine("neo4j-password")}
            backupSet:
              schedule: "* * * * * *"
              type: full

            """);

        // serve runs the set on its schedule; the first set whose three members all succeeded is the one restored.
        var context = new OperationContext(ConfigLoader.Load(h.ConfigPath));
        var app = ApiHost.Build(new ApiHostOptions(context, "http://127.0.0.1:0", NoAuth: true));
        await app.StartAsync();
        string setId;
        try
        {
            setId = await WaitForCompleteSetAsync(context);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        // All three change after the set.
        await h.Cluster.ExecuteAsync("""
            DELETE FROM accounts WHERE id % 3 = 0;
            UPDATE accounts SET balance = -1 WHERE id < 100;
            INSERT INTO accounts VALUES (100000, 'late', 1);
            CREATE TABLE after_the_set (x int);
            """);
        qdrant.AddCollection("docs", 1, size: 8);
        Neo4jHttpStandIn.WriteGraph(home, "neo4j", [["Robot"]], []);

        // A running server in the set refuses the whole set before anything changes (Qdrant keeps its one point).
        var whileRunning = await h.RunAsync("restore-set", "--set", setId, "--yes");
        Assert.True(whileRunning.ExitCode == 4, whileRunning.ToString());
        Assert.Contains("postmaster.pid", whileRunning.Stderr, StringComparison.Ordinal);
        Assert.Single(qdrant.Collections["docs"].Points);

        await h.Cluster.StopAsync(CancellationToken.None);
        var dryRun = await h.RunAsync("--output", "json", "restore-set", "--set", setId, "--dry-run", "--yes");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        var planned = JsonSerializer.Deserialize<JsonElement>(dryRun.Stdout).GetProperty("members");
        Assert.All(planned.EnumerateArray(), m => Assert.Equal("ready", m.GetProperty("status").GetString()));
        Assert.Single(qdrant.Collections["docs"].Points);

        var restore = await h.RunAsync("--output", "json", "restore-set", "--set", setId, "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var members = JsonSerializer.Deserialize<JsonElement>(restore.Stdout).GetProperty("members").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m);
        Assert.Equal(["pg1", "vectors", "graph"], members.Keys);
        Assert.All(members.Values, m => Assert.Equal("restored", m.GetProperty("status").GetString()));
        Assert.Equal(h.Cluster.DataDirectory, members["pg1"].GetProperty("data_directory").GetString());
        // The stores were validated against what the set recorded: point counts and vectors config, node and relationship counts.
        Assert.All(new[] { members["vectors"], members["graph"] }, m =>
        {
            Assert.NotEmpty(m.GetProperty("validations").EnumerateArray());
            Assert.All(m.GetProperty("validations").EnumerateArray(), v => Assert.Empty(v.GetProperty("problems").EnumerateArray()));
        });

        // PostgreSQL: started, it recovers to the end of the set's backup and is promoted; its tables are as they were then.
        await h.Cluster.StartAsync(CancellationToken.None);
        await h.Cluster.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(3));
        var restored = await TableSnapshot.CaptureDatabaseAsync(h.Cluster);
        atBackup.AssertSameContent(restored);
        Assert.Equal(0L, await h.Cluster.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'after_the_set'"));

        // Qdrant: the collection as snapshotted (5 points, 4-dimensional vectors); Neo4j: the dumped graph.
        Assert.Equal(5, qdrant.Collections["docs"].Points.Count);
        Assert.Equal(4, qdrant.Collections["docs"].Vectors["size"]!.GetValue<int>());
        var validate = await h.RunAsync("--output", "json", "validate-store", "graph");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        var graph = await File.ReadAllTextAsync(Path.Combine(home, "data", "databases", "neo4j", "graph.json"));
        Assert.Contains("\"Admin\"", graph, StringComparison.Ordinal);
        Assert.DoesNotContain("Robot", graph, StringComparison.Ordinal);
    }

    private static async Task<string> WaitForCompleteSetAsync(OperationContext context)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var sets = await new ListBackupSetsOperation().RunAsync(context, new ListBackupSetsInput(), null, CancellationToken.None);
            if (sets.Sets.FirstOrDefault(s => s.Members.Count == 3 && s.Members.All(m => m.BackupId is not null)) is { } set)
            {
                return set.Id;
            }
            Assert.True(DateTime.UtcNow < deadline, "no complete backup set within 5 minutes: "
                + JsonSerializer.Serialize(sets.Sets.SelectMany(s => s.Members).Select(m => m.Error)));
            await Task.Delay(250);
        }
    }
}
