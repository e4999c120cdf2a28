using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.Assistant.Planning;
using PgArk.Assistant.Routing;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Assistant;

/// <summary>
/// <c>pgark ask</c> as seed 000's supervisor: it learns which agent holds which database from the agents' list_databases,
/// plans and runs each request on the right one, asks when a name is on two, and relearns on a miss.
/// </summary>
[Collection(TwoAgentsCollection.Name)]
public class AskRoutingTests(TwoAgentsFixture fixture)
{
    private Task<CliRun> AskAsync(params string[] args) => CliRun.RunAsync(["--config", fixture.SupervisorConfig, .. args]);

    private static async Task<int> BackupCountAsync(PgArkHarness harness)
    {
        var info = await harness.RunAsync("--output", "json", "info");
        Assert.True(info.ExitCode == 0, info.ToString());
        return JsonDocument.Parse(info.Stdout).RootElement.GetProperty("servers")[0].GetProperty("backups").GetArrayLength();
    }

    [Fact]
    public async Task Ask_CreateBackupForHrDb_RunsOnTheAgentThatHasHrDb()
    {
        var firstBefore = await BackupCountAsync(fixture.First);
        var secondBefore = await BackupCountAsync(fixture.Second);

        var run = await AskAsync("--output", "json", "ask", "create backup for hr_db");

        Assert.True(run.ExitCode == 0, run.ToString());
        var output = JsonNode.Parse(run.Stdout)!;
        var step = output["plan"]!["steps"]!.AsArray().Single()!;
        Assert.Equal("pg2/pg1", step["server"]!.GetValue<string>());
        Assert.Equal("backup", step["operation"]!.GetValue<string>());
        var result = output["results"]![0]!["result"]!;
        Assert.Equal("pg1", result["server"]!.GetValue<string>());
        Assert.Equal(secondBefore + 1, await BackupCountAsync(fixture.Second));
        Assert.Equal(firstBefore, await BackupCountAsync(fixture.First));
        var listed = JsonDocument.Parse((await fixture.Second.RunAsync("--output", "json", "info")).Stdout).RootElement
            .GetProperty("servers")[0].GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("id").GetString()).ToList();
        Assert.Contains(result["backup_id"]!.GetValue<string>(), listed);
    }

    [Fact]
    public async Task AskDryRunJson_EachDatabase_PlannedOnItsAgentAndOnlyThePlanPrinted()
    {
        var customer = await AskAsync("--output", "json", "ask", "--dry-run", "list backups for customer_db");
        var hr = await AskAsync("--output", "json", "ask", "--dry-run", "restore hr_db to latest");

        Assert.True(customer.ExitCode == 0, customer.ToString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"steps":[{"server":"pg1/pg1","operation":"list_backups","arguments":{"server":"pg1","database":"customer_db"}}]}
            """), JsonNode.Parse(customer.Stdout)), customer.Stdout);
        var step = JsonNode.Parse(hr.Stdout)!["steps"]![0]!;
        Assert.Equal("pg2/pg1", step["server"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"server":"pg1","database":"hr_db","target":"latest"}"""), step["arguments"]));
    }

    [Fact]
    public async Task Ask_DatabaseOnTwoAgents_AsksWhichUnlessServerGiven()
    {
        var ambiguous = await AskAsync("ask", "--dry-run", "list backups for shared_db");
        var explicitServer = await AskAsync("--output", "json", "ask", "--dry-run", "--server", "pg2/pg1", "list backups for shared_db");

        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("Database 'shared_db' exists on pg1/pg1 and pg2/pg1. Which one?", ambiguous.Stdout, StringComparison.Ordinal);
        Assert.True(explicitServer.ExitCode == 0, explicitServer.ToString());
        Assert.Equal("pg2/pg1", JsonNode.Parse(explicitServer.Stdout)!["steps"]![0]!["server"]!.GetValue<string>());
    }

    [Fact]
    public async Task Planner_DatabaseCreatedAfterTheMapWasLearned_FoundByRefreshOnMiss()
    {
        var options = ConfigLoader.Load(fixture.SupervisorConfig);
        using var http = new HttpClient();
        var agents = options.Agents.Select(a => new AgentClient(a, http, Environment.GetEnvironmentVariable)).ToList();
        var directory = new ServerDirectory(new OperationContext(options), agents);
        var planner = new RequestPlanner(directory, TimeProvider.System, TimeZoneInfo.Utc);
        Assert.Empty((await directory.GetCatalogAsync(CancellationToken.None)).ServersOf("late_db"));

        await fixture.First.Cluster.CreateDatabaseAsync("late_db");
        var plan = await planner.PlanAsync("create full backup for late_db", CancellationToken.None);

        var step = Assert.Single(plan.Steps);
        Assert.Equal(("pg1/pg1", "backup"), (step.Server, step.Operation));
    }

    [Fact]
    public async Task Ask_OneServeManagingTwoClusters_RoutesByDatabaseToTheRightLocalServer()
    {
        var config = fixture.Second.Folder.Combine("two-clusters.yaml");
        await File.WriteAllTextAsync(config, $$"""
            repositories:
              - { name: one, path: {{fixture.First.RepositoryPath}} }
              - { name: two, path: {{fixture.Second.RepositoryPath}} }
            servers:
              - { name: east, connection: "{{fixture.First.Cluster.ConnectionString()}}", pgdata: {{fixture.First.Cluster.DataDirectory}}, repositories: [one] }
              - { name: west, connection: "{{fixture.Second.Cluster.ConnectionString()}}", pgdata: {{fixture.Second.Cluster.DataDirectory}}, repositories: [two] }

            """);
        var variable = $"PGARK_TEST_AGENT3_KEY_{Guid.NewGuid():N}";
        var url = await fixture.StartAgentAsync(config, variable);
        var supervisor = fixture.Second.Folder.Combine("supervisor-one-serve.yaml");
        await File.WriteAllTextAsync(supervisor, $"agents:\n  - {{ name: both, url: \"{url}\", apiKeyEnv: {variable} }}\n");

        var hr = await CliRun.RunAsync("--config", supervisor, "--output", "json", "ask", "--dry-run", "trigger full backup for hr_db");
        var customer = await CliRun.RunAsync("--config", supervisor, "--output", "json", "ask", "list backups for customer_db");

        Assert.True(hr.ExitCode == 0, hr.ToString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"server":"west","operation":"backup","arguments":{"server":"west","type":"full"}}]
            """), JsonNode.Parse(hr.Stdout)!["steps"]), hr.Stdout);
        Assert.True(customer.ExitCode == 0, customer.ToString());
        var result = JsonNode.Parse(customer.Stdout)!["results"]![0]!["result"]!;
        Assert.Equal("east", result["servers"]![0]!["server"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ask_WithoutAgents_RunsThroughTheLocalRegistry()
    {
        var run = await fixture.First.RunAsync("--output", "json", "ask", "list backups for customer_db");

        Assert.True(run.ExitCode == 0, run.ToString());
        var output = JsonNode.Parse(run.Stdout)!;
        Assert.Equal("pg1", output["plan"]!["steps"]![0]!["server"]!.GetValue<string>());
        Assert.Equal("customer_db", output["results"]![0]!["result"]!["database"]!.GetValue<string>());
    }
}
