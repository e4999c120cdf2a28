using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using ModelContextProtocol.Client;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.Server.Api;
using static PgArk.IntegrationTests.Server.ApiCalls;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Issue 13 item 6 through REST and MCP: caps on running jobs per key and per service (429), on concurrent MCP calls and
/// on the <c>jobs</c> argument; <c>async</c> only for long operations; a viewer sees only jobs of its role or lower.
/// A second host with tight limits runs on the fixture's configuration. A backup holds its slot deterministically: with
/// archiving failing it waits for its WAL until cancelled.
/// </summary>
public class JobLimitTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string s_backups = $"/api/servers/{PgArkHarness.Server}/backups";

    private async Task<(WebApplication App, Uri Address)> StartLimitedAsync(ApiLimits limits)
    {
        var options = ConfigLoader.Load(fixture.Harness.ConfigPath);
        var context = new OperationContext(options with { Api = options.Api! with { Limits = limits } });
        var app = ApiHost.Build(new ApiHostOptions(context, "http://127.0.0.1:0"));
        await app.StartAsync();
        return (app, ApiHost.ListeningAddress(app));
    }

    private static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task RunningJobCaps_PerKeyThenPerService_429_FreedWhenTheJobEnds_ViewerSeesOnlyItsRoleJobs()
    {
        var (app, address) = await StartLimitedAsync(new ApiLimits(RunningJobs: 1, RunningJobsPerKey: 1));
        await using var appScope = app;
        var cluster = fixture.Harness.Cluster;
        var archiveCommand = await cluster.ScalarAsync<string>("SHOW archive_command");
        using var ops = Client(address, fixture.OperatorKey);
        using var root = Client(address, fixture.AdminKey);
        using var viewer = Client(address, fixture.ViewerKey);
        var listedBefore = await ListedBackupIdsAsync(root);
        await cluster.SetArchiveCommandAsync("false");
        string location;
        try
        {
            var (status, job, response) = await SendAsync(ops, HttpMethod.Post, s_backups, """{"archive_timeout_seconds": 600}""");
            response.Dispose();
            Assert.True(status == HttpStatusCode.Accepted, $"{status}: {job}");
            location = job.GetProperty("location").GetString()!;
            await PollJobAsync(ops, location, j => j.GetProperty("state").GetString() == "running");

            // The same key again: as a job, and as a synchronous call of a long operation (it counts too).
            var (again, refused, againResponse) = await SendAsync(ops, HttpMethod.Post, s_backups, "{}");
            againResponse.Dispose();
            Assert.True(again == HttpStatusCode.TooManyRequests, $"{again}: {refused}");
            Assert.Equal("too_many_requests", refused.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("too many long-running operations for key 'ops': 1 are running, the limit is 1 (api.limits.runningJobsPerKey)",
                refused.GetProperty("error").GetProperty("message").GetString());
            var (sync, syncRefused, syncResponse) = await SendAsync(ops, HttpMethod.Post, "/invoke",
                $$$"""{"tool": "verify", "arguments": {"server": "{{{PgArkHarness.Server}}}"}}""");
            syncResponse.Dispose();
            Assert.True(sync == HttpStatusCode.TooManyRequests, $"{sync}: {syncRefused}");

            // Another key: its own count is free, the service's is not.
            var (other, otherRefused, otherResponse) = await SendAsync(root, HttpMethod.Post, "/invoke",
                $$"""{"tool": "verify", "arguments": {"server": "{{PgArkHarness.Server}}"}, "async": true}""");
            otherResponse.Dispose();
            Assert.True(other == HttpStatusCode.TooManyRequests, $"{other}: {otherRefused}");
            Assert.Equal("too many long-running operations on this service: 1 are running, the limit is 1 (api.limits.runningJobs)",
                otherRefused.GetProperty("error").GetProperty("message").GetString());

            // backup needs operator: a viewer neither lists nor reads the job; the operator does.
            var (_, viewerList, viewerListResponse) = await SendAsync(viewer, HttpMethod.Get, "/api/jobs");
            viewerListResponse.Dispose();
            Assert.DoesNotContain(viewerList.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("location").GetString() == location);
            var (viewerGet, notFound, viewerGetResponse) = await SendAsync(viewer, HttpMethod.Get, location);
            viewerGetResponse.Dispose();
            Assert.True(viewerGet == HttpStatusCode.NotFound, $"{viewerGet}: {notFound}");
            var (_, opsList, opsListResponse) = await SendAsync(ops, HttpMethod.Get, "/api/jobs?limit=1");
            opsListResponse.Dispose();
            Assert.Equal(location, Assert.Single(opsList.GetProperty("jobs").EnumerateArray()).GetProperty("location").GetString());

            var (cancel, cancelled, cancelResponse) = await SendAsync(ops, HttpMethod.Delete, location);
            cancelResponse.Dispose();
            Assert.True(cancel == HttpStatusCode.Accepted, $"{cancel}: {cancelled}");
            Assert.Equal("cancelled", (await PollJobAsync(ops, location))[^1].GetProperty("state").GetString());
        }
        finally
        {
            await cluster.SetArchiveCommandAsync(archiveCommand!);
        }

        // A job seen final has given its slot back.
        var (next, nextJob, nextResponse) = await SendAsync(root, HttpMethod.Post, "/invoke",
            $$"""{"tool": "verify", "arguments": {"server": "{{PgArkHarness.Server}}"}, "async": true}""");
        nextResponse.Dispose();
        Assert.True(next == HttpStatusCode.Accepted, $"{next}: {nextJob}");
        Assert.Equal("succeeded", (await PollJobAsync(root, nextJob.GetProperty("location").GetString()!))[^1].GetProperty("state").GetString());
        // The cancelled backup is not listed. Its folder may stay without a manifest when the cancel came after the copy
        // began (whether it did depends on how far the backup got): that is an incomplete backup, never listed, which
        // the next backup removes, as after a crash.
        Assert.Equal(listedBefore, await ListedBackupIdsAsync(root));
    }

    private static async Task<List<string>> ListedBackupIdsAsync(HttpClient client)
    {
        var (status, listed, response) = await SendAsync(client, HttpMethod.Get, s_backups);
        response.Dispose();
        Assert.True(status == HttpStatusCode.OK, $"{status}: {listed}");
        return listed.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [InlineData("/api/jobs?limit=0")]
    [InlineData("/api/jobs?limit=501")]
    [InlineData("/api/jobs?limit=ten")]
    [InlineData("/api/jobs?state=running")]
    public async Task JobsListing_ArgumentsOutOfBounds_400(string path)
    {
        using var client = fixture.Client(fixture.ViewerKey);
        var (status, json, response) = await SendAsync(client, HttpMethod.Get, path);
        response.Dispose();
        Assert.True(status == HttpStatusCode.BadRequest, $"{status}: {json}");
    }

    [Fact]
    public async Task AsyncOnAQuickOperation_400_JobsArgumentAboveTheLimit_400_AndAnMcpToolError()
    {
        using var client = fixture.Client(fixture.AdminKey);
        var (status, json, response) = await SendAsync(client, HttpMethod.Post, "/invoke",
            $$"""{"tool": "list_backups", "arguments": {"server": "{{PgArkHarness.Server}}"}, "async": true}""");
        response.Dispose();
        Assert.True(status == HttpStatusCode.BadRequest, $"{status}: {json}");
        Assert.Equal("'async' is only for long-running operations; 'list_backups' answers at once", json.GetProperty("error").GetProperty("message").GetString());

        var (workers, refused, workersResponse) = await SendAsync(client, HttpMethod.Post, "/invoke",
            $$$"""{"tool": "verify", "arguments": {"server": "{{{PgArkHarness.Server}}}", "jobs": 10000}}""");
        workersResponse.Dispose();
        Assert.True(workers == HttpStatusCode.BadRequest, $"{workers}: {refused}");
        Assert.Equal("argument 'jobs' may be at most 8 for a network caller (api.limits.maxParallelWorkers)",
            refused.GetProperty("error").GetProperty("message").GetString());

        await using var mcp = await ConnectMcpAsync(fixture.BaseAddress, fixture.AdminKey);
        var result = await mcp.CallToolAsync("backup", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server, ["jobs"] = 10000 });
        Assert.True(result.IsError);
        Assert.StartsWith("argument 'jobs' may be at most 8 for a network caller", McpHttpTests.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentMcpCalls_AboveTheCap_RefusedAsAToolError_UntilTheHeldCallEnds()
    {
        var (app, address) = await StartLimitedAsync(new ApiLimits(ConcurrentMcpCalls: 1));
        await using var appScope = app;
        var cluster = fixture.Harness.Cluster;
        var archiveCommand = await cluster.ScalarAsync<string>("SHOW archive_command");
        var backups = Path.Combine(fixture.Harness.RepositoryPath, RepositoryLayout.BackupsFolder(PgArkHarness.Server));
        var before = Directory.GetDirectories(backups).Length;
        await using var holder = await ConnectMcpAsync(address, fixture.OperatorKey);
        await using var other = await ConnectMcpAsync(address, fixture.AdminKey);
        await cluster.SetArchiveCommandAsync("false");
        try
        {
            using var stop = new CancellationTokenSource();
            var held = holder.CallToolAsync("backup", new Dictionary<string, object?>
                { ["server"] = PgArkHarness.Server, ["archive_timeout_seconds"] = 600 }, cancellationToken: stop.Token).AsTask();
            // The backup's folder appears once the call is inside (it holds its place until it returns).
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (Directory.GetDirectories(backups).Length == before && !held.IsCompleted)
            {
                Assert.True(DateTime.UtcNow < deadline, "the held backup never started");
                await Task.Delay(50);
            }
            Assert.False(held.IsCompleted, held.IsCompleted ? McpHttpTests.Text(await held) : "");

            var refused = await other.CallToolAsync("list_backups", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server });
            Assert.True(refused.IsError);
            Assert.Equal("too many concurrent calls: at most 1 MCP tool calls run at once (api.limits.concurrentMcpCalls); try again when one has finished",
                McpHttpTests.Text(refused));

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
        }
        finally
        {
            await cluster.SetArchiveCommandAsync(archiveCommand!);
        }
        // The cancelled call gives its place back once the server has seen the request end.
        var deadlineAfter = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var listed = await other.CallToolAsync("list_backups", new Dictionary<string, object?> { ["server"] = PgArkHarness.Server });
            if (listed.IsError != true)
            {
                break;
            }
            Assert.StartsWith("too many concurrent calls", McpHttpTests.Text(listed), StringComparison.Ordinal);
            Assert.True(DateTime.UtcNow < deadlineAfter, "the cancelled call never gave its place back");
            await Task.Delay(100);
        }
    }

#pragma warning disable CA2000 // the McpClient owns the session the transport opens and ends it on dispose; the transport itself holds only its own HttpClient for the test's life
    private static async Task<McpClient> ConnectMcpAsync(Uri address, string key) => await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri(address, "/mcp"),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
    }));
#pragma warning restore CA2000
}
