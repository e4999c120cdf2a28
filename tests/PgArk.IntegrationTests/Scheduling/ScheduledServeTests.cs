using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Scheduling;
using PgArk.IntegrationTests.Harness;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.IntegrationTests.Scheduling;

/// <summary><c>pgark serve</c>'s scheduler against a real cluster, and <c>GET /metrics</c> after real backups.</summary>
public class ScheduledServeTests
{
    private static async Task AddScheduleAsync(PgArkHarness harness, string schedule)
    {
        var text = await File.ReadAllTextAsync(harness.ConfigPath);
        const string anchor = "    repositories: [local]\n";
        Assert.Contains(anchor, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(harness.ConfigPath, text.Replace(anchor, anchor + $"    schedule: {schedule}\n", StringComparison.Ordinal));
    }

    private static async Task<WebApplication> StartServeAsync(PgArkHarness harness, bool noAuth = true)
    {
        var app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(harness.ConfigPath)), "http://127.0.0.1:0", NoAuth: noAuth));
        await app.StartAsync();
        return app;
    }

    private static async Task<List<OperationRunRecord>> RunsAsync(PgArkHarness harness)
    {
        var history = new HistoryStore(OperationContext.OpenRepository(ConfigLoader.Load(harness.ConfigPath).Repositories[0]));
        var records = new List<OperationRunRecord>();
        foreach (var path in await history.ListRunsAsync(PgArkHarness.Server, CancellationToken.None))
        {
            records.Add((await history.ReadRunAsync(path, CancellationToken.None))!);
        }
        return records;
    }

    private static async Task<List<OperationRunRecord>> WaitForRunsAsync(PgArkHarness harness, Func<List<OperationRunRecord>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var runs = await RunsAsync(harness);
            if (done(runs) || DateTime.UtcNow > deadline)
            {
                return runs;
            }
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Serve_SecondsCron_RunsBackupAndDumpOneAtATime()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        await harness.Cluster.CreateDatabaseAsync("app");
        await harness.Cluster.ExecuteAsync("CREATE TABLE users (id int PRIMARY KEY, name text); INSERT INTO users VALUES (1, 'ada')", "app");
        await AddScheduleAsync(harness, """{ full: "*/3 * * * * *", dump: [ { database: app, cron: "*/3 * * * * *", mode: schema } ] }""");

        var app = await StartServeAsync(harness);
        List<OperationRunRecord> runs;
        try
        {
            runs = await WaitForRunsAsync(harness, r =>
                r.Any(x => x is { Operation: "backup", Status: RunStatus.Success }) && r.Any(x => x is { Operation: "dump", Status: RunStatus.Success }));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        var scheduled = runs.Where(r => r.Origin == "schedule" && r.Status != RunStatus.Cancelled).ToList();
        var backup = scheduled.First(r => r.Operation == "backup");
        Assert.Equal((RunStatus.Success, "full", "full"), (backup.Status, backup.ScheduleKey, backup.Type));
        var dump = scheduled.First(r => r.Operation == "dump");
        Assert.Equal(("dump:app:schema", RunStatus.Success, "app", "schema"), (dump.ScheduleKey, dump.Status, dump.Database, dump.Type));
        // One server, one run at a time: no two scheduled runs overlap.
        var ordered = scheduled.OrderBy(r => r.StartedAt).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].StartedAt >= ordered[i - 1].FinishedAt, $"{ordered[i - 1].RunId} overlaps {ordered[i].RunId}");
        }

        // The scheduled backup is a real, complete backup of the cluster.
        var info = await harness.RunAsync("--output", "json", "info", "--server", PgArkHarness.Server);
        Assert.True(info.ExitCode == 0, info.ToString());
        var listed = JsonDocument.Parse(info.Stdout).RootElement.GetProperty("servers")[0].GetProperty("backups").EnumerateArray().ToList();
        var stored = Assert.Single(listed, b => b.GetProperty("id").GetString() == backup.BackupId);
        Assert.True(stored.GetProperty("wal_complete").GetBoolean(), stored.ToString());
        var verify = await harness.RunAsync("verify", "--server", PgArkHarness.Server, "--backup", backup.BackupId!);
        Assert.True(verify.ExitCode == 0, verify.ToString());

        // `pgark schedule` shows the last run and its outcome from the saved state.
        var schedule = await harness.RunAsync("--output", "json", "schedule", "--server", PgArkHarness.Server, "--count", "2");
        Assert.True(schedule.ExitCode == 0, schedule.ToString());
        var entries = JsonDocument.Parse(schedule.Stdout).RootElement.GetProperty("servers")[0].GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["full", "dump:app:schema"], entries.Select(e => e.GetProperty("key").GetString()));
        Assert.All(entries, e => Assert.Equal(2, e.GetProperty("next_runs").GetArrayLength()));
        Assert.NotEqual(JsonValueKind.Null, entries[0].GetProperty("last_started_at").ValueKind);
    }

    [Fact]
    public async Task Serve_RunMissedWhileDown_RunsOnceAtStart()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        // Yearly at midnight on 1 January: the only way it runs during this test is as a catch-up.
        await AddScheduleAsync(harness, """{ full: "0 0 1 1 *" }""");
        var options = ConfigLoader.Load(harness.ConfigPath);
        var twoYearsAgo = DateTimeOffset.UtcNow.AddYears(-2);
        await OperationContext.OpenRepository(options.Repositories[0]).WriteJsonAsync(RepositoryLayout.ScheduleStatePath(PgArkHarness.Server),
            new ScheduleState { Entries = { ["full"] = new ScheduleEntryState(twoYearsAgo) } }, CancellationToken.None);

        var before = await harness.RunAsync("--output", "json", "schedule");
        var app = await StartServeAsync(harness);
        List<OperationRunRecord> runs;
        try
        {
            runs = await WaitForRunsAsync(harness, r => r.Any(x => x.Operation == "backup"));
            // Two missed occurrences (two 1 Januaries), one catch-up run: give a second run every chance to show up.
            await Task.Delay(TimeSpan.FromSeconds(3));
            runs = await RunsAsync(harness);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Assert.True(before.ExitCode == 0, before.ToString());
        var listed = JsonDocument.Parse(before.Stdout).RootElement.GetProperty("servers")[0].GetProperty("entries")[0];
        var firstNext = DateTimeOffset.Parse(listed.GetProperty("next_runs")[0].GetString()!, CultureInfo.InvariantCulture);
        Assert.True(DateTimeOffset.UtcNow - firstNext < TimeSpan.FromMinutes(5), "the missed run should be listed as due now");
        var run = Assert.Single(runs, r => r.Operation != "init");
        Assert.Equal(("backup", RunStatus.Success, "schedule", "full"), (run.Operation, run.Status, run.Origin, run.ScheduleKey));
        var state = await OperationContext.OpenRepository(options.Repositories[0])
            .ReadJsonAsync<ScheduleState>(RepositoryLayout.ScheduleStatePath(PgArkHarness.Server), CancellationToken.None);
        Assert.Equal((RunStatus.Success, run.BackupId), (state!.Entries["full"].LastStatus, state.Entries["full"].LastBackupId));
        Assert.True(state.Entries["full"].CoveredUntil > twoYearsAgo.AddYears(1));
    }

    [Fact]
    public async Task Metrics_AfterBackup_PrometheusTextWithValues()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        var viewer = ApiKeys.Create().Key;
        var operatorKey = ApiKeys.Create().Key;
        await File.AppendAllTextAsync(harness.ConfigPath, $$"""
            api:
              keys:
                - { name: prometheus, sha256: "{{ApiKeys.Hash(viewer)}}", role: viewer }
                - { name: ops, sha256: "{{ApiKeys.Hash(operatorKey)}}", role: operator }

            """);
        var backup = await harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var manifest = JsonDocument.Parse(backup.Stdout).RootElement;
        var failed = await harness.RunAsync("dump", "--server", PgArkHarness.Server, "--database", "no_such_db");
        Assert.NotEqual(0, failed.ExitCode);

        var app = await StartServeAsync(harness, noAuth: false);
        string text;
        HttpStatusCode anonymous;
        string contentType;
        try
        {
            using var client = new HttpClient { BaseAddress = ApiHost.ListeningAddress(app), Timeout = TimeSpan.FromMinutes(3) };
            // A run started over REST is recorded like one from the CLI (the recorder sits under every front end).
            using (var invoke = new HttpRequestMessage(HttpMethod.Post, "/invoke"))
            {
                invoke.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorKey);
                invoke.Content = new StringContent("""{"tool": "backup", "arguments": {"server": "pg1", "type": "incr"}}""", System.Text.Encoding.UTF8,
                    "application/json");
                using var invoked = await client.SendAsync(invoke);
                Assert.True(invoked.IsSuccessStatusCode, await invoked.Content.ReadAsStringAsync());
            }
            using (var response = await client.GetAsync("/metrics"))
            {
                anonymous = response.StatusCode;
            }
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", viewer);
            using var ok = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            contentType = ok.Content.Headers.ContentType!.ToString();
            text = await ok.Content.ReadAsStringAsync();
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.StartsWith("text/plain; version=0.0.4", contentType, StringComparison.Ordinal);
        var samples = PrometheusText.Parse(text);
        var full = $"server=\"{PgArkHarness.Server}\",type=\"full\"";
        Assert.Equal(1, samples[$"pgark_backups{{{full}}}"]);
        Assert.Equal(1, samples[$"pgark_backups{{server=\"{PgArkHarness.Server}\",type=\"incr\"}}"]);
        Assert.Equal(1, samples[$"pgark_operation_last_status{{server=\"{PgArkHarness.Server}\",operation=\"backup\",type=\"incr\"}}"]);
        Assert.Equal(manifest.GetProperty("size").GetInt64(), samples[$"pgark_backup_last_size_bytes{{{full}}}"]);
        Assert.Equal(manifest.GetProperty("stored_size").GetInt64(), samples[$"pgark_backup_last_stored_bytes{{{full}}}"]);
        Assert.Equal(manifest.GetProperty("duration_seconds").GetDouble(), samples[$"pgark_backup_last_duration_seconds{{{full}}}"], 3);
        var lastSuccess = DateTimeOffset.FromUnixTimeMilliseconds((long)(samples[$"pgark_backup_last_success_timestamp_seconds{{{full}}}"] * 1000));
        Assert.InRange(DateTimeOffset.UtcNow - lastSuccess, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.Equal(1, samples[$"pgark_server_up{{server=\"{PgArkHarness.Server}\"}}"]);
        Assert.InRange(samples[$"pgark_wal_archive_lag_seconds{{server=\"{PgArkHarness.Server}\"}}"], 0, 300);
        Assert.InRange(samples[$"pgark_archiver_lag_seconds{{server=\"{PgArkHarness.Server}\"}}"], 0, 300);
        Assert.Equal(2, samples[$"pgark_operation_runs_total{{server=\"{PgArkHarness.Server}\",operation=\"backup\",status=\"success\"}}"]);
        Assert.Equal(1, samples[$"pgark_operation_failures_total{{server=\"{PgArkHarness.Server}\",operation=\"dump\"}}"]);
        Assert.Equal(0, samples[$"pgark_operation_failures_total{{server=\"{PgArkHarness.Server}\",operation=\"backup\"}}"]);
        Assert.Equal(0, samples[$"pgark_operation_last_status{{server=\"{PgArkHarness.Server}\",operation=\"dump\",type=\"full\"}}"]);
        Assert.Contains("# TYPE pgark_operation_failures_total counter\n", text, StringComparison.Ordinal);
    }
}
