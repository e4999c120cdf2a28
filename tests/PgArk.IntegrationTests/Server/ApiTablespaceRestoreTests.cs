using System.Net;
using System.Text.Json;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using PgArk.Server.Api;
using static PgArk.IntegrationTests.Server.ApiCalls;

namespace PgArk.IntegrationTests.Server;

/// <summary>
/// Issue 13, item 1 for tablespaces: an API restore writes a tablespace only inside restore.roots (or, into the server's
/// own pgdata, where that pgdata's tablespaces are), whether the location comes from the manifest or from tablespace_map.
/// </summary>
public class ApiTablespaceRestoreTests
{
    [Fact]
    public async Task ApiRestore_TablespaceOutsideRoots_403_NothingTouched_MappedInsideRoot_Restores()
    {
        await using var h = await PgArkHarness.CreateAsync();
        var tablespace = h.Folder.Combine("ts");
        Directory.CreateDirectory(tablespace);
        await Posix.ChownToPostgresAsync(tablespace, recursive: false, CancellationToken.None);
        await h.Cluster.ExecuteAsync($"CREATE TABLESPACE space LOCATION '{tablespace}'");
        await h.Cluster.ExecuteAsync("CREATE TABLE far TABLESPACE space AS SELECT g AS id FROM generate_series(1, 1000) g");
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var roots = h.Folder.Combine("roots");
        Directory.CreateDirectory(roots);
        using var victim = TempFolder.Create("pgark-it-ts-victim-");

        var options = ConfigLoader.Load(h.ConfigPath);
        // h.Folder as a (careless) root holds the live data directory and tablespace: those stay protected.
        var app = ApiHost.Build(new ApiHostOptions(new OperationContext(options with { Restore = new RestoreRootsOptions([roots, h.Folder.Path]) }),
            "http://127.0.0.1:0", NoAuth: true));
        await app.StartAsync();
        await using var appScope = app;
        using var client = new HttpClient { BaseAddress = ApiHost.ListeningAddress(app), Timeout = TimeSpan.FromMinutes(3) };

        var repositoryBefore = ApiSecurityTests.BackupsSnapshot(h.RepositoryPath);
        var tablespaceBefore = ApiSecurityTests.Snapshot(tablespace).Keys.ToList();
        var victimBefore = ApiSecurityTests.Snapshot(victim.Path);
        var attempts = new (string Pgdata, Dictionary<string, string>? Map, string Why)[]
        {
            // The manifest's own location is the live server's tablespace.
            (Path.Combine(roots, "copy1"), null, $"refusing to restore a tablespace into '{tablespace}' for an API caller: it overlaps"),
            (Path.Combine(roots, "copy2"), new() { [tablespace] = victim.Path }, "neither a tablespace of the server's pgdata nor inside"),
            (Path.Combine(roots, "copy3"), new() { ["space"] = Path.Combine(roots, "..", "..", Path.GetFileName(victim.Path)) }, "neither a tablespace"),
            (Path.Combine(roots, "copy4"), new() { ["space"] = "relative/ts" }, "which is not an absolute path"),
            (Path.Combine(roots, "copy5"), new() { ["space"] = h.Folder.Combine("locks", "ts") }, "it overlaps"),
            (Path.Combine(roots, "copy6"), new() { ["space"] = h.RepositoryPath }, "it overlaps"),
        };
        foreach (var (pgdata, map, why) in attempts)
        {
            var arguments = new Dictionary<string, object> { ["server"] = PgArkHarness.Server, ["pgdata"] = pgdata, ["confirm"] = true };
            if (map is not null)
            {
                arguments["tablespace_map"] = map;
            }
            var (status, json, response) = await SendAsync(client, HttpMethod.Post, "/invoke", JsonSerializer.Serialize(new { tool = "restore", arguments }));
            response.Dispose();
            // A relative location is refused as a usage error (400) before the policy sees it; the rest are 403.
            var relative = map?.Values.Any(v => !Path.IsPathRooted(v)) == true;
            Assert.True(status == (relative ? HttpStatusCode.BadRequest : HttpStatusCode.Forbidden), $"{pgdata}: {status} {json}");
            Assert.Equal(relative ? "usage" : "forbidden", json.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains(why, json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(pgdata), $"{pgdata} was created");
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(roots));
        Assert.Equal(victimBefore, ApiSecurityTests.Snapshot(victim.Path));
        Assert.Equal(tablespaceBefore, ApiSecurityTests.Snapshot(tablespace).Keys.ToList());
        Assert.Equal(repositoryBefore, ApiSecurityTests.BackupsSnapshot(h.RepositoryPath));

        // Mapped inside a root, the same restore is allowed and the tablespace lands there.
        var target = Path.Combine(roots, "copy");
        var mapped = Path.Combine(roots, "copy-ts");
        var allowed = new Dictionary<string, object>
        {
            ["server"] = PgArkHarness.Server, ["pgdata"] = target, ["confirm"] = true, ["tablespace_map"] = new Dictionary<string, string> { ["space"] = mapped },
        };
        var (okStatus, okJson, okResponse) = await SendAsync(client, HttpMethod.Post, "/invoke",
            JsonSerializer.Serialize(new { tool = "restore", arguments = allowed }));
        okResponse.Dispose();
        Assert.True(okStatus == HttpStatusCode.OK, okJson.ToString());
        Assert.True(File.Exists(Path.Combine(target, "PG_VERSION")));
        Assert.NotEmpty(Directory.EnumerateFiles(mapped, "*", SearchOption.AllDirectories));
        Assert.Equal(tablespaceBefore, ApiSecurityTests.Snapshot(tablespace).Keys.ToList());
    }
}
