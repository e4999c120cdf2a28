using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.Server.Api;

namespace PgArk.IntegrationTests.Notifications;

/// <summary>
/// <c>pgark serve</c>'s alerts against a real cluster and repository: sent through a channel to a loopback receiver,
/// visible in <c>GET /metrics</c>, resolved by a real backup; and the shipped Grafana dashboard and Prometheus rules
/// (deploy/) name only metrics that /metrics exports, and pass promtool.
/// </summary>
public sealed partial class AlertServeTests
{
    private static readonly string s_root = FindRoot();
    private static readonly string s_rules = Path.Combine(s_root, "deploy", "prometheus", "pgark-alerts.yml");
    private static readonly string s_dashboard = Path.Combine(s_root, "deploy", "grafana", "pgark-dashboard.json");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PgArk.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"cannot find the repository root above {AppContext.BaseDirectory}");
    }

    private static async Task<WebApplication> StartServeAsync(PgArkHarness harness)
    {
        var app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(harness.ConfigPath)), "http://127.0.0.1:0", NoAuth: true));
        await app.StartAsync();
        return app;
    }

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics: HTTP {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(90)))
        {
            if (await probe() is { } found)
            {
                return found;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what} did not happen within the timeout");
    }

    [Fact]
    public async Task Serve_NoBackup_AlertSentAndActiveInMetrics_BackupResolvesIt()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await File.AppendAllTextAsync(harness.ConfigPath, $$"""
            notifications:
              channels:
                - { name: ops, type: slack, url: "{{receiver.Url("/ops")}}", on: [alert, resolved] }
              alerts:
                evaluateEverySeconds: 1

            """.ReplaceLineEndings("\n"));
        var app = await StartServeAsync(harness);
        await using var appScope = app;
        using var client = new HttpClient { BaseAddress = ApiHost.ListeningAddress(app) };

        var fired = await EventuallyAsync(() => Task.FromResult(receiver.Deliveries.FirstOrDefault(d =>
            d.Body.GetProperty("text").GetString()!.StartsWith("PgArk alert: no_recent_backup on pg1:", StringComparison.Ordinal))), "the alert");
        Assert.Contains("server 'pg1' has no complete backup in its repository", fired.Body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains($"pgark_alert_active{{server=\"{PgArkHarness.Server}\",alert=\"no_recent_backup\"}} 1\n", await ScrapeAsync(client),
            StringComparison.Ordinal);
        Assert.Contains($"pgark_alert_active{{server=\"{PgArkHarness.Server}\",alert=\"backup_failed\"}} 0\n", await ScrapeAsync(client),
            StringComparison.Ordinal);

        var backup = await harness.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var resolved = await EventuallyAsync(() => Task.FromResult(receiver.Deliveries.FirstOrDefault(d =>
            d.Body.GetProperty("text").GetString()!.StartsWith("PgArk resolved: no_recent_backup on pg1:", StringComparison.Ordinal))), "the resolution");
        Assert.Contains("resolved: no_recent_backup no longer holds for server 'pg1'", resolved.Body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains($"pgark_alert_active{{server=\"{PgArkHarness.Server}\",alert=\"no_recent_backup\"}} 0\n", await ScrapeAsync(client),
            StringComparison.Ordinal);
        // Fired once, resolved once: nothing else was sent in between (the repeat interval is 4 hours).
        Assert.Equal(2, receiver.Deliveries.Count(d => d.Body.GetProperty("text").GetString()!.Contains("no_recent_backup", StringComparison.Ordinal)));
        await app.StopAsync();
    }

    [Fact]
    public async Task DeployFiles_EveryMetricTheyName_IsExportedWithSamplesByServe()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        // stream: true (the server's block ends the file) makes serve stream it, so the pgark_stream_* series exist.
        var config = await File.ReadAllTextAsync(harness.ConfigPath);
        await File.WriteAllTextAsync(harness.ConfigPath,
            config.TrimEnd('\n') + "\n    stream: true\nnotifications:\n  alerts:\n    evaluateEverySeconds: 1\n");
        foreach (var _ in new[] { 1, 2 })
        {
            var backup = await harness.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
            Assert.True(backup.ExitCode == 0, backup.ToString());
        }
        await harness.SwitchAndWaitForArchiveAsync();
        var app = await StartServeAsync(harness);
        await using var appScope = app;
        using var client = new HttpClient { BaseAddress = ApiHost.ListeningAddress(app) };

        // The WAL lag in segments comes from the alert evaluation (it asks the server for its current WAL file).
        var metrics = await EventuallyAsync(async () =>
        {
            var text = await ScrapeAsync(client);
            return text.Contains("\npgark_wal_archive_lag_segments{", StringComparison.Ordinal)
                && text.Contains("\npgark_stream_active{", StringComparison.Ordinal) ? text : null;
        }, "a WAL lag sample and the streamer's slot");

        var named = MetricName().Matches(await File.ReadAllTextAsync(s_rules) + await File.ReadAllTextAsync(s_dashboard))
            .Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        Assert.True(named.Count >= 10, $"only {named.Count} metric names found in deploy/");
        var declared = metrics.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet();
        var sampled = metrics.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0]).ToHashSet();
        Assert.Empty(named.Where(n => !declared.Contains(n)).Order());
        Assert.Empty(named.Where(n => !sampled.Contains(n)).Order());
        await app.StopAsync();
    }

    [Fact]
    public async Task PrometheusRules_PassPromtoolCheckAndUnitTests()
    {
        var check = await RunPromtoolAsync("check", "rules", s_rules);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS: 10 rules found", check.Output, StringComparison.Ordinal);

        var test = await RunPromtoolAsync("test", "rules", Path.Combine(s_root, "deploy", "prometheus", "pgark-alerts.test.yml"));
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunPromtoolAsync(params string[] args)
    {
        // Debian's prometheus package (scripts/install-deps.sh) ships it; a missing promtool fails the test.
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex("pgark_[a-z_]+[a-z]")]
    private static partial Regex MetricName();
}
