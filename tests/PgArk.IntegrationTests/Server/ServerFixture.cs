using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// One harness cluster with a database named as in seed 000 and one full backup, a config with viewer, operator and
/// admin keys, and <c>pgark serve</c>'s host running in-process on a free loopback port.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string Database = "analytics_db";

    private PgArkHarness? _harness;
    private WebApplication? _app;

    public PgArkHarness Harness => _harness!;

    /// <summary>The running host (tests read its endpoint data source).</summary>
    public WebApplication App => _app!;
    public Uri BaseAddress { get; private set; } = null!;
    public string FullBackupId { get; private set; } = "";
    public string ViewerKey { get; } = ApiKeys.Create().Key;
    public string OperatorKey { get; } = ApiKeys.Create().Key;
    public string AdminKey { get; } = ApiKeys.Create().Key;

    public async Task InitializeAsync()
    {
        _harness = await PgArkHarness.CreateAsync();
        await _harness.Cluster.CreateDatabaseAsync(Database);
        var backup = await _harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        FullBackupId = JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("backup_id").GetString()!;
        await File.AppendAllTextAsync(_harness.ConfigPath, $$"""
            api:
              keys:
                - { name: viewer, sha256: "{{ApiKeys.Hash(ViewerKey)}}", role: viewer }
                - { name: ops, sha256: "{{ApiKeys.Hash(OperatorKey)}}", role: operator }
                - { name: root, sha256: "{{ApiKeys.Hash(AdminKey)}}", role: admin }

            """);
        var context = new OperationContext(ConfigLoader.Load(_harness.ConfigPath));
        _app = ApiHost.Build(new ApiHostOptions(context, "http://127.0.0.1:0"));
        await _app.StartAsync();
        BaseAddress = ApiHost.ListeningAddress(_app);
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }
}
