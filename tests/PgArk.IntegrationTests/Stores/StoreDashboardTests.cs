using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Server;
using PgArk.Server.Api;
using PgArk.Tests.Stores;

namespace PgArk.IntegrationTests.Stores;

/// <summary>The dashboard's overview lists the Qdrant and Neo4j stores beside the servers (chromium, real serve).</summary>
public sealed class StoreDashboardTests
{
    [Fact]
    public async Task Overview_ListsStoreWithItsNewestBackup()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        await using var qdrant = new QdrantStandIn(harness.Folder.Combine("qdrant"), apiKey: null);
        qdrant.AddCollection("docs", 3);
        await File.AppendAllTextAsync(harness.ConfigPath, $"""
            stores:
              - name: vectors
                type: qdrant
                url: {qdrant.BaseAddress}

            """);
        var backup = await harness.RunAsync("--output", "json", "backup-store", "vectors");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var id = System.Text.Json.JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("backup").GetProperty("id").GetString()!;

        var app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(harness.ConfigPath)), "http://127.0.0.1:0", NoAuth: true));
        await using var appScope = app;
        await app.StartAsync();
        await using var browser = await DashboardBrowser.OpenAsync(ApiHost.ListeningAddress(app));
        var page = browser.Page;

        var row = page.Locator("#stores tr[data-store='vectors']");
        await row.WaitForAsync();
        var text = await row.InnerTextAsync();
        Assert.Contains("qdrant", text, StringComparison.Ordinal);
        Assert.Contains(id, await row.Locator(".newest-store-backup").InnerTextAsync(), StringComparison.Ordinal);
        await DashboardBrowserTests.ScreenshotAsync(page, "overview-stores");
        await app.StopAsync();
    }
}
