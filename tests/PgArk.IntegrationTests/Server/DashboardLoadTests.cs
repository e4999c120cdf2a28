using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.Server.Api;
using Xunit.Abstractions;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// How long the dashboard's server page takes in chromium with 1,000 backups listed. The repository holds one real
/// backup; the other 999 are copies of its manifest under new ids (as bench/serve.sh does), so the service reads 1,000
/// genuine manifest files. The figure is reported (test output and artifacts/dashboard/load-time.txt), not asserted.
/// </summary>
public sealed class DashboardLoadTests(ITestOutputHelper output)
{
    private const int Backups = 1000;

    [Fact]
    public async Task ServerPage_ThousandBackups_CountedOnTimelineAndPagedTable_LoadTimeReported()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        var backup = await harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var realId = JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("backup_id").GetString()!;
        var folder = Path.Combine(harness.RepositoryPath, "servers", PgArkHarness.Server, "backups");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, realId, "manifest.json")))!.AsObject();
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < Backups - 1; i++)
        {
            var stamp = start.AddMinutes(10 * i);
            var id = stamp.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "F";
            manifest["id"] = id;
            manifest["label"] = "synthetic";
            manifest["startTime"] = new DateTimeOffset(stamp).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            manifest["stopTime"] = new DateTimeOffset(stamp.AddSeconds(5)).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            Directory.CreateDirectory(Path.Combine(folder, id));
            await File.WriteAllTextAsync(Path.Combine(folder, id, "manifest.json"), manifest.ToJsonString());
        }

        var app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(harness.ConfigPath)), "http://127.0.0.1:0", NoAuth: true));
        await using var appScope = app;
        await app.StartAsync();
        var (playwright, browser) = await DashboardBrowserTests.LaunchAsync();
        using var playwrightScope = playwright;
        await using var browserScope = browser;
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = ApiHost.ListeningAddress(app).ToString() });
        await using var contextScope = context;
        context.SetDefaultTimeout(120_000);
        var page = await context.NewPageAsync();
        var url = $"/#/server/{PgArkHarness.Server}";

        var timings = new List<(double Wall, double InPage)>();
        var requests = new List<string>();
        // The first load meets a cold service (manifests not yet parsed, routes not yet compiled) and a cold browser; five
        // more give the warm median.
        for (var attempt = 0; attempt < 6; attempt++)
        {
            await page.GotoAsync("about:blank");
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(url);
            // A selector, not WaitForFunction: the page's CSP forbids the eval that a polled function needs.
            await page.Locator($"body[data-loaded='#/server/{PgArkHarness.Server}']").WaitForAsync();
            var wall = clock.Elapsed.TotalMilliseconds;
            // From navigation start to the first frame painted after the page was drawn (all requests answered, 1,000
            // rows in the table), as the page itself timed it: the test's own polling latency is not in it.
            var inPage = double.Parse((await page.GetAttributeAsync("body", "data-painted-ms"))!, System.Globalization.CultureInfo.InvariantCulture);
            // Every backup counted and on the timeline; the table shows a page of them, newest first.
            Assert.Equal($"{Backups}", await page.InnerTextAsync("#backups-count"));
            Assert.Equal(Backups, await page.Locator("#timeline circle.backup").CountAsync());
            Assert.Equal(50, await page.Locator("#backups tbody tr").CountAsync());
            timings.Add((wall, inPage));
            // Where the time went in this load: each request the page made (ms from start to the last byte).
            var loadRequests = await page.EvaluateAsync<string>(
                "performance.getEntriesByType('resource').map(e => `${new URL(e.name).pathname}${new URL(e.name).search} ${Math.round(e.duration)}`).join('; ')");
            // The document and its script ready (DOMContentLoaded), and the page's own figure for requests + drawing.
            loadRequests += "; DOMContentLoaded at " + await page.EvaluateAsync<string>(
                "String(Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd))") + "; drawn at " + await page.GetAttributeAsync("body", "data-drawn-ms") + "; " + await page.InnerTextAsync("#updated");
            requests.Add(loadRequests);
        }
        await DashboardBrowserTests.ScreenshotAsync(page, "server-1000-backups");
        // The rest of the table is a click away: the next page holds the next 50, and the last page the oldest backup.
        Assert.Equal(realId, await page.Locator("#backups tbody tr").First.GetAttributeAsync("data-backup-id"));
        await page.ClickAsync("#backups-older");
        Assert.Equal($"51–100 of {Backups}, newest first", await page.InnerTextAsync("#backups-position"));
        for (var i = 0; i < Backups / 50 - 2; i++)
        {
            await page.ClickAsync("#backups-older");
        }
        Assert.True(await page.Locator("#backups-older").IsDisabledAsync());
        Assert.Equal($"951–1000 of {Backups}, newest first", await page.InnerTextAsync("#backups-position"));
        Assert.Equal("20200101-000000F", await page.Locator("#backups tbody tr").Last.GetAttributeAsync("data-backup-id"));

        // The service's side alone: the page's main request, five times, as a client without a browser sees it.
        using var http = new HttpClient { BaseAddress = ApiHost.ListeningAddress(app) };
        var infoTimes = new List<double>();
        var infoBytes = 0;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            infoBytes = (await http.GetByteArrayAsync($"/api/servers/{PgArkHarness.Server}/info")).Length;
            infoTimes.Add(clock.Elapsed.TotalMilliseconds);
        }
        var manifestBytes = new FileInfo(Path.Combine(folder, realId, "manifest.json")).Length;

        // The first load warms the service's manifest cache and the browser; the report gives it and the median of the rest.
        var warm = timings.Skip(1).Select(t => t.InPage).Order().ToList();
        var report = $"server page with {Backups} backups, chromium headless: first load {timings[0].InPage:0} ms, " +
            $"then median {warm[warm.Count / 2]:0} ms (loads: {string.Join(", ", timings.Select(t => $"{t.InPage:0}"))} ms in page; " +
            $"{string.Join(", ", timings.Select(t => $"{t.Wall:0}"))} ms measured by the test); requests of the first load (ms): {requests[0]}; " +
            $"of the last load (ms): {requests[^1]}; GET info without the browser: median {infoTimes.Order().ToList()[2]:0} ms " +
            $"({string.Join(", ", infoTimes.Select(t => $"{t:0}"))} ms, {infoBytes} bytes; manifests of {manifestBytes} bytes)";
        output.WriteLine(report);
        Directory.CreateDirectory(DashboardBrowserTests.Artifacts);
        await File.WriteAllTextAsync(Path.Combine(DashboardBrowserTests.Artifacts, "load-time.txt"), report + "\n");
    }
}
