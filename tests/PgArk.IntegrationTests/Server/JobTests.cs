using System.Net;
using System.Text.Json;
using PgArk.Core.Catalog;
using PgArk.IntegrationTests.Harness;
using static PgArk.IntegrationTests.Server.ApiCalls;

namespace PgArk.IntegrationTests.Server;

/// <summary>Long operations as jobs over REST: 202 + Location, progress while running, result, and cancellation.</summary>
public class JobTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string s_backups = $"/api/servers/{PgArkHarness.Server}/backups";

    [Fact]
    public async Task PostBackups_Answers202WithJob_PolledToSuccessWithProgress()
    {
        using var client = fixture.Client(fixture.OperatorKey);
        var (status, job, response) = await SendAsync(client, HttpMethod.Post, s_backups, """{"type": "full", "label": "via-job"}""");
        using (response)
        {
            Assert.True(status == HttpStatusCode.Accepted, $"{status}: {job}");
            Assert.Equal($"/api/jobs/{job.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        }
        Assert.Equal("backup", job.GetProperty("operation").GetString());
        Assert.Contains(job.GetProperty("state").GetString(), new[] { "queued", "running", "succeeded" });

        var seen = await PollJobAsync(client, $"/api/jobs/{job.GetProperty("id").GetString()}");

        var final = seen[^1];
        Assert.True(final.GetProperty("state").GetString() == "succeeded", final.ToString());
        var progress = final.GetProperty("progress");
        Assert.Equal("wal", progress.GetProperty("phase").GetString());
        Assert.True(progress.GetProperty("bytes_total").GetInt64() > 0, progress.ToString());
        Assert.Equal(progress.GetProperty("bytes_total").GetInt64(), progress.GetProperty("bytes_done").GetInt64());
        Assert.Equal(100.0, progress.GetProperty("percent").GetDouble());
        foreach (var snapshot in seen.Where(s => s.GetProperty("progress").ValueKind == JsonValueKind.Object))
        {
            var p = snapshot.GetProperty("progress");
            if (p.GetProperty("percent").ValueKind == JsonValueKind.Number)
            {
                Assert.InRange(p.GetProperty("percent").GetDouble(), 0.0, 100.0);
            }
        }
        var result = final.GetProperty("result");
        Assert.Equal("via-job", result.GetProperty("label").GetString());
        var backupId = result.GetProperty("backup_id").GetString();

        var (_, listed, listResponse) = await SendAsync(client, HttpMethod.Get, s_backups);
        listResponse.Dispose();
        Assert.Contains(listed.GetProperty("backups").EnumerateArray(), b => b.GetProperty("id").GetString() == backupId);
        var (_, jobs, jobsResponse) = await SendAsync(client, HttpMethod.Get, "/api/jobs");
        jobsResponse.Dispose();
        Assert.Contains(jobs.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("id").GetString() == job.GetProperty("id").GetString());
    }

    [Fact]
    public async Task InvokeWithAsync_Seed000IncrementalAlias_ReturnsJobThatSucceeds()
    {
        using var client = fixture.Client(fixture.OperatorKey);
        var (status, job, response) = await SendAsync(client, HttpMethod.Post, "/invoke",
            """{"tool": "trigger_incremental_backup", "arguments": {"db_name": "analytics_db"}, "async": true}""");
        response.Dispose();
        Assert.True(status == HttpStatusCode.Accepted, $"{status}: {job}");
        Assert.Equal("trigger_incremental_backup", job.GetProperty("tool").GetString());

        var final = (await PollJobAsync(client, job.GetProperty("location").GetString()!))[^1];

        Assert.True(final.GetProperty("state").GetString() == "succeeded", final.ToString());
        Assert.Equal("incr", final.GetProperty("result").GetProperty("type").GetString());
    }

    [Fact]
    public async Task DeleteJob_CancelsBackupWaitingForWal_LeavesNoManifest_NextBackupSucceeds()
    {
        var cluster = fixture.Harness.Cluster;
        var archiveCommand = await cluster.ScalarAsync<string>("SHOW archive_command");
        using var client = fixture.Client(fixture.OperatorKey);
        var before = ManifestCount();
        // With archiving failing, the backup sits in its 'wal' phase (waiting for its WAL) until cancelled.
        await cluster.SetArchiveCommandAsync("false");
        string location;
        try
        {
            var (status, job, response) = await SendAsync(client, HttpMethod.Post, s_backups, """{"archive_timeout_seconds": 600}""");
            response.Dispose();
            Assert.True(status == HttpStatusCode.Accepted, $"{status}: {job}");
            location = job.GetProperty("location").GetString()!;
            var waiting = (await PollJobAsync(client, location,
                j => j.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p && p.GetProperty("phase").GetString() == "wal"))[^1];
            Assert.True(waiting.GetProperty("state").GetString() == "running", waiting.ToString());

            using (var viewer = fixture.Client(fixture.ViewerKey))
            {
                var (forbidden, error, r) = await SendAsync(viewer, HttpMethod.Delete, location);
                r.Dispose();
                Assert.True(forbidden == HttpStatusCode.Forbidden, error.ToString());
            }
            var (cancelStatus, cancelled, cancelResponse) = await SendAsync(client, HttpMethod.Delete, location);
            cancelResponse.Dispose();
            Assert.True(cancelStatus == HttpStatusCode.Accepted, $"{cancelStatus}: {cancelled}");
            Assert.True(cancelled.GetProperty("cancel_requested").GetBoolean());

            var final = (await PollJobAsync(client, location))[^1];
            Assert.True(final.GetProperty("state").GetString() == "cancelled", final.ToString());
            Assert.Equal("cancelled", final.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(before, ManifestCount());
        }
        finally
        {
            await cluster.SetArchiveCommandAsync(archiveCommand!);
        }

        var (nextStatus, next, nextResponse) = await SendAsync(client, HttpMethod.Post, s_backups, "{}");
        nextResponse.Dispose();
        Assert.True(nextStatus == HttpStatusCode.Accepted, next.ToString());
        var done = (await PollJobAsync(client, next.GetProperty("location").GetString()!))[^1];
        Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());
        Assert.Equal(before + 1, ManifestCount());
        var incomplete = Directory.GetDirectories(Path.Combine(fixture.Harness.RepositoryPath, RepositoryLayout.BackupsFolder(PgArkHarness.Server)))
            .Where(d => !File.Exists(Path.Combine(d, RepositoryLayout.ManifestFileName))).ToList();
        Assert.Empty(incomplete);
    }

    [Fact]
    public async Task UnknownJob_404_ViewerCanReadJobs()
    {
        using var viewer = fixture.Client(fixture.ViewerKey);
        var (status, json, response) = await SendAsync(viewer, HttpMethod.Get, "/api/jobs/0123456789abcdef");
        response.Dispose();
        Assert.True(status == HttpStatusCode.NotFound, json.ToString());
        Assert.Equal("not_found", json.GetProperty("error").GetProperty("code").GetString());
        var (listStatus, list, listResponse) = await SendAsync(viewer, HttpMethod.Get, "/api/jobs");
        listResponse.Dispose();
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal(JsonValueKind.Array, list.GetProperty("jobs").ValueKind);
    }

    private int ManifestCount() => Directory
        .GetDirectories(Path.Combine(fixture.Harness.RepositoryPath, RepositoryLayout.BackupsFolder(PgArkHarness.Server)))
        .Count(d => File.Exists(Path.Combine(d, RepositoryLayout.ManifestFileName)));
}
