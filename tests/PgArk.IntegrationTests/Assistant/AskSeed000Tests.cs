using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using PgArk.IntegrationTests.Restore;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.IntegrationTests.Assistant;

/// <summary>
/// Seed 000 end to end through the assistant: the two loaded clusters of <see cref="Seed000Topology"/>, each behind its own
/// <c>pgark serve</c> (in-process Kestrel, its own configuration naming only its server, its own key), and a supervisor
/// configuration that lists just the two agents.
/// </summary>
public sealed class Seed000AgentsFixture : IAsyncLifetime
{
    private readonly List<WebApplication> _agents = [];
    private readonly List<string> _keyVariables = [];

    public Seed000Topology Topology { get; } = new();
    public string SupervisorConfig { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Topology.InitializeAsync();
        var supervisor = new System.Text.StringBuilder("agents:\n");
        foreach (var (server, cluster) in new[] { ("pg1", Topology.Pg1), ("pg2", Topology.Pg2) })
        {
            var keyVariable = $"PGARK_TEST_SEED000_{server.ToUpperInvariant()}_KEY_{Guid.NewGuid():N}";
            var key = ApiKeys.Create().Key;
            Environment.SetEnvironmentVariable(keyVariable, key);
            _keyVariables.Add(keyVariable);
            var config = Topology.Folder.Combine($"agent-{server}.yaml");
            await File.WriteAllTextAsync(config, $$"""
                lockPath: {{Topology.Folder.Combine("locks")}}
                repositories:
                  - { name: {{server}}-repo, type: posix, path: {{Topology.Folder.Combine($"repo-{server}")}}, compression: zstd }
                servers:
                  - name: {{server}}
                    connection: "{{cluster.ConnectionString()}}"
                    pgdata: {{cluster.DataDirectory}}
                    repositories: [{{server}}-repo]
                api:
                  keys:
                    - { name: supervisor, sha256: "{{ApiKeys.Hash(key)}}", role: admin }

                """);
            var app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(config)), "http://127.0.0.1:0"));
            await app.StartAsync();
            _agents.Add(app);
            supervisor.Append($"  - {{ name: {server}, url: \"{ApiHost.ListeningAddress(app)}\", apiKeyEnv: {keyVariable} }}\n");
        }
        SupervisorConfig = Topology.Folder.Combine("supervisor.yaml");
        await File.WriteAllTextAsync(SupervisorConfig, supervisor.ToString());
    }

    public Task<CliRun> AskAsync(params string[] args) => CliRun.RunAsync(["--config", SupervisorConfig, .. args]);

    public async Task DisposeAsync()
    {
        foreach (var app in _agents)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        foreach (var variable in _keyVariables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        await Topology.DisposeAsync();
    }
}

/// <summary>
/// "restore customer_db to T" asked of the supervisor runs restore_database on pg1's agent and leaves customer_db exactly
/// as it was at T (content compared) with inventory_db (same server) and hr_db (other server) unchanged; "create backup
/// for hr_db" lands in pg2's repository only; the dry-run JSON is exactly the issue's plan format.
/// </summary>
public class AskSeed000Tests(Seed000AgentsFixture fixture) : IClassFixture<Seed000AgentsFixture>
{
    private const string Customer = "customer_db";

    private Seed000Topology Topology => fixture.Topology;

    [Fact]
    public async Task Ask_RestoreCustomerDbToT_EqualsSnapshotAtT_InventoryAndHrUnchanged()
    {
        await Topology.Pg1.ExecuteAsync("""
            INSERT INTO customers (email, full_name, country, segment, created_at)
            SELECT format('ask-before-%s@example.com', i), 'Before T', 'NL', 'retail', now() FROM generate_series(1, 20) i;
            UPDATE orders SET status = 'shipped' WHERE order_id % 30 = 0;
            """, Customer);
        var atT = await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, Customer);
        var target = await Seed000Topology.NowAsync(Topology.Pg1);
        await Topology.Pg1.ExecuteAsync("""
            UPDATE customers SET full_name = full_name || ' (after T)' WHERE customer_id % 13 = 0;
            INSERT INTO customers (email, full_name, country, segment, created_at) VALUES ('ask-after@example.com', 'After T', 'SE', 'smb', now());
            DELETE FROM order_items WHERE order_id IN (SELECT order_id FROM orders WHERE order_id % 17 = 0);
            """, Customer);
        await Topology.Pg1.ExecuteAsync("UPDATE inventory SET on_hand = on_hand + 2 WHERE product_id % 5 = 0", "inventory_db");
        await Topology.Pg2.ExecuteAsync("UPDATE employees SET salary = salary + 50 WHERE employee_id % 5 = 0", "hr_db");
        var afterT = await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, Customer);
        var inventory = await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, "inventory_db");
        var hr = await TableSnapshot.CaptureDatabaseAsync(Topology.Pg2, "hr_db");
        Assert.NotEqual(atT.RowCount, afterT.RowCount);

        var run = await fixture.AskAsync("--output", "json", "ask", "--yes", $"restore customer_db to {target}");

        Assert.True(run.ExitCode == 0, run.ToString());
        var output = JsonNode.Parse(run.Stdout)!;
        var step = output["plan"]!["steps"]!.AsArray().Single()!;
        Assert.Equal(("pg1", "restore_database"), (step["server"]!.GetValue<string>(), step["operation"]!.GetValue<string>()));
        (await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, Customer)).AssertSameContent(atT);
        (await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, "inventory_db")).AssertSameContent(inventory);
        (await TableSnapshot.CaptureDatabaseAsync(Topology.Pg2, "hr_db")).AssertSameContent(hr);
        var keptAs = output["results"]![0]!["result"]!["kept_as"]!.GetValue<string>();
        Assert.StartsWith("customer_db_before_restore_", keptAs, StringComparison.Ordinal);
        (await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, keptAs)).AssertSameContent(afterT);
        await Topology.Pg1.ExecuteAsync($"DROP DATABASE \"{keptAs}\"");
    }

    [Fact]
    public async Task Ask_CreateBackupForHrDb_RunsOnPg2Only()
    {
        var pg1Before = await BackupIdsAsync("pg1");
        var pg2Before = await BackupIdsAsync("pg2");

        var run = await fixture.AskAsync("--output", "json", "ask", "create backup for hr_db");

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = JsonNode.Parse(run.Stdout)!["results"]![0]!["result"]!;
        Assert.Equal("pg2", result["server"]!.GetValue<string>());
        var pg2After = await BackupIdsAsync("pg2");
        Assert.Equal(pg2Before.Count + 1, pg2After.Count);
        Assert.Contains(result["backup_id"]!.GetValue<string>(), pg2After);
        Assert.Equal(pg1Before, await BackupIdsAsync("pg1"));
    }

    [Fact]
    public async Task AskDryRunJson_RestoreToTime_PrintsExactlyTheStepsFormat_AndChangesNothing()
    {
        var before = await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, Customer);

        var run = await fixture.AskAsync("--output", "json", "ask", "--dry-run", "restore customer_db to 2026-01-05T10:30:00Z");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"steps":[{"server":"pg1","operation":"restore_database",
                       "arguments":{"server":"pg1","database":"customer_db","target_time":"2026-01-05T10:30:00+00:00"}}]}
            """), JsonNode.Parse(run.Stdout)), run.ToString());
        (await TableSnapshot.CaptureDatabaseAsync(Topology.Pg1, Customer)).AssertSameContent(before);
    }

    private async Task<List<string>> BackupIdsAsync(string server)
    {
        var info = await Topology.RunAsync("--output", "json", "info", "--server", server);
        Assert.True(info.ExitCode == 0, info.ToString());
        return JsonDocument.Parse(info.Stdout).RootElement.GetProperty("servers")[0].GetProperty("backups").EnumerateArray()
            .Select(b => b.GetProperty("id").GetString()!).ToList();
    }
}
