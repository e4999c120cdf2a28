using Microsoft.AspNetCore.Builder;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.IntegrationTests.Assistant;

/// <summary>
/// Seed 000's shape for real: two clusters, each with its own repository and its own <c>pgark serve</c> (in-process
/// Kestrel on a free port, bearer keys), customer_db on the first and hr_db on the second (shared_db on both), and a
/// supervisor configuration that lists only the two agents by URL and key variable.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TwoAgentsCollection : ICollectionFixture<TwoAgentsFixture>
{
    public const string Name = "two-agents";
}

public sealed class TwoAgentsFixture : IAsyncLifetime
{
    private readonly List<WebApplication> _apps = [];

    public PgArkHarness First { get; private set; } = null!;
    public PgArkHarness Second { get; private set; } = null!;
    public Uri FirstUrl { get; private set; } = null!;
    public Uri SecondUrl { get; private set; } = null!;
    public string SupervisorConfig { get; private set; } = "";

    /// <summary>Environment variables holding the agents' keys (unique to this fixture; child processes inherit them).</summary>
    public string FirstKeyVariable { get; } = $"PGARK_TEST_AGENT1_KEY_{Guid.NewGuid():N}";
    public string SecondKeyVariable { get; } = $"PGARK_TEST_AGENT2_KEY_{Guid.NewGuid():N}";

    public async Task InitializeAsync()
    {
        First = await PgArkHarness.CreateAsync();
        Second = await PgArkHarness.CreateAsync();
        await First.Cluster.CreateDatabaseAsync("customer_db");
        await First.Cluster.CreateDatabaseAsync("shared_db");
        await Second.Cluster.CreateDatabaseAsync("hr_db");
        await Second.Cluster.CreateDatabaseAsync("shared_db");
        FirstUrl = await StartAgentAsync(First.ConfigPath, FirstKeyVariable);
        SecondUrl = await StartAgentAsync(Second.ConfigPath, SecondKeyVariable);
        SupervisorConfig = First.Folder.Combine("supervisor.yaml");
        await File.WriteAllTextAsync(SupervisorConfig, $$"""
            agents:
              - { name: pg1, url: "{{FirstUrl}}", apiKeyEnv: {{FirstKeyVariable}} }
              - { name: pg2, url: "{{SecondUrl}}", apiKeyEnv: {{SecondKeyVariable}} }

            """);
    }

    /// <summary>Starts one more agent over an existing configuration (e.g. one serve for several clusters).</summary>
    public async Task<Uri> StartAgentAsync(string configPath, string keyVariable)
    {
        var key = ApiKeys.Create().Key;
        Environment.SetEnvironmentVariable(keyVariable, key);
        await File.AppendAllTextAsync(configPath, $$"""
            api:
              keys:
                - { name: supervisor, sha256: "{{ApiKeys.Hash(key)}}", role: admin }

            """);
        var app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(configPath)), "http://127.0.0.1:0"));
        await app.StartAsync();
        _apps.Add(app);
        return ApiHost.ListeningAddress(app);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Environment.SetEnvironmentVariable(FirstKeyVariable, null);
        Environment.SetEnvironmentVariable(SecondKeyVariable, null);
        if (Second is not null)
        {
            await Second.DisposeAsync();
        }
        if (First is not null)
        {
            await First.DisposeAsync();
        }
    }
}
