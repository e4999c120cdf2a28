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
        var (realId, folder) = await ThousandBackupsAsync(harness);

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
        // The first load meets a cold in-process service (built here, without serve's start-up warm-up) and a new page of
        // the browser; five more give the warm median. The first load after a real `pgark serve` start is measured by
        // ServerPage_FirstLoadAfterFreshServe_LoadTimeReported.
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

    /// <summary>
    /// The first load after a fresh <c>pgark serve</c>, as a user meets it: serve runs as its own process (so nothing is
    /// compiled or cached from an earlier start), the page is opened the moment serve says it listens, and the figure is the
    /// page's own, from navigation start to the first frame painted with the 1,000 backups. Chromium is already running (its
    /// start is not the page's load): one serve before the five measured ones only warms the browser. The executable is the
    /// build's apphost next to this test, or <c>PGARK_EXE</c> (e.g. scripts/publish.sh's ReadyToRun build); <c>PGARK_SERVE_ENV</c>
    /// (<c>NAME=value;NAME=value</c>) sets runtime settings on serve alone, to compare start-up settings.
    /// </summary>
    [Fact]
    public async Task ServerPage_FirstLoadAfterFreshServe_LoadTimeReported()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        await ThousandBackupsAsync(harness);
        var executable = Environment.GetEnvironmentVariable("PGARK_EXE") is { Length: > 0 } exe ? exe : Path.Combine(AppContext.BaseDirectory, "pgark");
        Assert.True(File.Exists(executable), $"{executable} is missing");
        var (playwright, browser) = await DashboardBrowserTests.LaunchAsync();
        using var playwrightScope = playwright;
        await using var browserScope = browser;
        var context = await browser.NewContextAsync();
        await using var contextScope = context;
        context.SetDefaultTimeout(120_000);
        var page = await context.NewPageAsync();

        var loads = new List<(double Listening, double InPage, double Wall, string Requests)>();
        for (var start = 0; start < 6; start++)
        {
            await page.GotoAsync("about:blank");
            var serve = await FreshServe.StartAsync(executable, harness.ConfigPath);
            await using var serveScope = serve;
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(serve.Address, $"/#/server/{PgArkHarness.Server}").ToString());
            await page.Locator($"body[data-loaded='#/server/{PgArkHarness.Server}']").WaitForAsync();
            var wall = clock.Elapsed.TotalMilliseconds;
            var inPage = double.Parse((await page.GetAttributeAsync("body", "data-painted-ms"))!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"{Backups}", await page.InnerTextAsync("#backups-count"));
            Assert.Equal(50, await page.Locator("#backups tbody tr").CountAsync());
            var requests = await page.EvaluateAsync<string>(
                "performance.getEntriesByType('resource').map(e => `${new URL(e.name).pathname}${new URL(e.name).search} ${Math.round(e.duration)}`).join('; ')");
            loads.Add((serve.ListeningAfter.TotalMilliseconds, inPage, wall, requests));
        }

        var measured = loads.Skip(1).ToList();
        static double Median(IEnumerable<double> values) => values.Order().ElementAt(2);
        var report = $"server page with {Backups} backups, first load after a fresh serve ({executable}" +
            $"{(Environment.GetEnvironmentVariable("PGARK_SERVE_ENV") is { Length: > 0 } settings ? $" with {settings}" : "")}), " +
            $"chromium headless already running, 5 fresh serves: median {Median(measured.Select(l => l.InPage)):0} ms in page " +
            $"(navigation start to painted: {string.Join(", ", measured.Select(l => $"{l.InPage:0}"))} ms; " +
            $"measured by the test: {string.Join(", ", measured.Select(l => $"{l.Wall:0}"))} ms); serve start to listening: median " +
            $"{Median(measured.Select(l => l.Listening)):0} ms ({string.Join(", ", measured.Select(l => $"{l.Listening:0}"))} ms); " +
            $"browser warm-up serve: {loads[0].InPage:0} ms in page; requests of each measured load (ms): " +
            string.Join(" | ", measured.Select(l => l.Requests));
        output.WriteLine(report);
        Directory.CreateDirectory(DashboardBrowserTests.Artifacts);
        await File.WriteAllTextAsync(Path.Combine(DashboardBrowserTests.Artifacts, "first-load-time.txt"), report + "\n");
    }

    /// <summary><c>pgark serve --no-auth</c> on a free loopback port as a child process; disposing kills it (by its id).</summary>
    private sealed class FreshServe : IAsyncDisposable
    {
        private readonly Process _process;

        private FreshServe(Process process, Uri address, TimeSpan listeningAfter)
        {
            _process = process;
            Address = address;
            ListeningAfter = listeningAfter;
        }

        public Uri Address { get; }

        /// <summary>From the process start to serve's "listening on" line.</summary>
        public TimeSpan ListeningAfter { get; }

        public static async Task<FreshServe> StartAsync(string executable, string configPath)
        {
            var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "--config", configPath, "serve", "--urls", "http://127.0.0.1:0", "--no-auth" })
            {
                start.ArgumentList.Add(arg);
            }
            // Runtime settings tried on serve alone (not on this test's process), e.g. "DOTNET_TieredPGO=0;DOTNET_ReadyToRun=0".
            foreach (var setting in (Environment.GetEnvironmentVariable("PGARK_SERVE_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var (name, value) = (setting.Split('=', 2)[0], setting.Split('=', 2).ElementAtOrDefault(1) ?? "");
                start.Environment[name] = value;
            }
            var clock = Stopwatch.StartNew();
            var process = Process.Start(start)!;
            try
            {
                _ = process.StandardOutput.ReadToEndAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var seen = new System.Text.StringBuilder();
                while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
                {
                    seen.AppendLine(line);
                    const string Listening = "pgark: listening on ";
                    if (line.StartsWith(Listening, StringComparison.Ordinal))
                    {
                        var listeningAfter = clock.Elapsed;
                        _ = process.StandardError.ReadToEndAsync();
                        return new FreshServe(process, new Uri(line[Listening.Length..].Trim()), listeningAfter);
                    }
                }
                throw new InvalidOperationException($"serve ended before listening:\n{seen}");
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }

    /// <summary>One real backup and 999 copies of its manifest under new ids (10 minutes apart from 2020-01-01).</summary>
    private static async Task<(string RealId, string Folder)> ThousandBackupsAsync(PgArkHarness harness)
    {
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
        return (realId, folder);
    }
}
