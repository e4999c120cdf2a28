using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Repositories;

/// <summary>
/// The same whole story against every repository flavor (posix, S3, ...): full and incremental backups, WAL
/// archive-push (through archive_command) and archive-get, restore to a time with the source's exact content at that
/// time, delta restore, verify, verify-restore, expire, and a dump restored into a new database.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class RepositoryMatrixTests(S3rverFixture s3)
{
    private const string Server = PgArkHarness.Server;

    [Theory]
    [MemberData(nameof(Flavors))]
    public async Task EveryOperation_OnFlavor_RestoresExactContent(string flavorName)
    {
        var flavor = RepositoryFlavor.All[flavorName];
        await using var h = await PgArkHarness.CreateAsync(repositoryYaml: flavor.Yaml(s3.Server));
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, note text NOT NULL, payload bytea);
            INSERT INTO items SELECT g, 'first ' || g, decode(md5(g::text), 'hex') FROM generate_series(1, 20000) g;
            """);
        var full = await BackupAsync(h, "full");

        await h.Cluster.ExecuteAsync("UPDATE items SET note = note || ' changed' WHERE id % 5 = 0; DELETE FROM items WHERE id % 11 = 0");
        var incr = await BackupAsync(h, "incr");
        var atIncr = await TableSnapshot.CaptureTableAsync(h.Cluster, "items");

        await h.Cluster.ExecuteAsync("INSERT INTO items SELECT g, 'second ' || g, NULL FROM generate_series(20001, 25000) g");
        var atTarget = await TableSnapshot.CaptureTableAsync(h.Cluster, "items");
        var targetTime = await h.Cluster.ScalarAsync<string>(
            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        await h.Cluster.ExecuteAsync("DELETE FROM items WHERE id > 24000; UPDATE items SET note = 'after target'");
        await h.SwitchAndWaitForArchiveAsync();

        var (pitr, restored) = await h.RestoreAndStartAsync("pitr", "--target-time", targetTime!, "--target-action", "promote");
        Assert.True(pitr.ExitCode == 0, pitr.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            atTarget.AssertSameContent(await TableSnapshot.CaptureTableAsync(restored, "items"));
        }

        await AssertArchiveGetAsync(h);
        await AssertDeltaRestoreAsync(h, full, incr, atIncr);

        var verify = await h.RunAsync("verify", "--server", Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var sandbox = h.Folder.Combine("sandbox");
        Directory.CreateDirectory(sandbox);
        var verifyRestore = await h.RunAsync("verify-restore", "--server", Server, "--sandbox-dir", sandbox);
        Assert.True(verifyRestore.ExitCode == 0, verifyRestore.ToString());

        await AssertExpireAsync(h, [full, incr]);
        await AssertDumpRestoreAsync(h);
    }

    public static TheoryData<string> Flavors => RepositoryFlavor.Names;

    private static async Task<string> BackupAsync(PgArkHarness h, string type)
    {
        var run = await h.RunAsync("--output", "json", "backup", "--server", Server, "--type", type);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.Equal(type, document.RootElement.GetProperty("type").GetString());
        return document.RootElement.GetProperty("backup_id").GetString()!;
    }

    private static async Task AssertArchiveGetAsync(PgArkHarness h)
    {
        var archived = (await h.Cluster.ScalarAsync<string>("SELECT last_archived_wal FROM pg_stat_archiver"))!;
        var destination = h.Folder.Combine("fetched-wal");
        var get = await h.RunAsync("archive-get", "--server", Server, archived, destination);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(16 * 1024 * 1024, new FileInfo(destination).Length);

        var missing = await h.RunAsync("archive-get", "--server", Server, "00000001000000FF000000FE", h.Folder.Combine("missing-wal"));
        Assert.Equal(3, missing.ExitCode);
        Assert.False(File.Exists(h.Folder.Combine("missing-wal")));
    }

    // The full backup's copy, brought to the incremental by rewriting only what differs, holds the incremental's content.
    private static async Task AssertDeltaRestoreAsync(PgArkHarness h, string full, string incr, TableSnapshot atIncr)
    {
        var target = h.Folder.Combine("delta");
        Directory.CreateDirectory(target);
        await Posix.ChownToPostgresAsync(target, recursive: false, CancellationToken.None);
        var first = await h.RunAsync("restore", "--server", Server, "--pgdata", target, "--backup", full, "--target", "immediate");
        Assert.True(first.ExitCode == 0, first.ToString());
        var delta = await h.RunAsync("--output", "json", "restore", "--server", Server, "--pgdata", target, "--delta",
            "--target", "immediate", "--target-action", "promote", "--backup", incr);
        Assert.True(delta.ExitCode == 0, delta.ToString());
        using (var document = JsonDocument.Parse(delta.Stdout))
        {
            Assert.True(document.RootElement.GetProperty("delta").GetBoolean());
            Assert.InRange(document.RootElement.GetProperty("filesRewritten").GetInt32(), 1, document.RootElement.GetProperty("files").GetInt32() - 1);
        }

        await using var cluster = await TestCluster.AttachAsync(target, new TestClusterAttachOptions
        {
            Settings = new Dictionary<string, string> { ["archive_mode"] = "off" }, DeleteDataDirectoryOnDispose = true, StartTimeout = TimeSpan.FromMinutes(3),
        }, CancellationToken.None);
        await cluster.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
        atIncr.AssertSameContent(await TableSnapshot.CaptureTableAsync(cluster, "items"));
    }

    // A second full backup with retention full: 1 makes the first full and its incremental expire; what is kept verifies.
    private static async Task AssertExpireAsync(PgArkHarness h, string[] older)
    {
        await BackupAsync(h, "full");
        await File.WriteAllTextAsync(h.ConfigPath, (await File.ReadAllTextAsync(h.ConfigPath))
            .Replace("    compression: zstd\n", "    compression: zstd\n    retention: { full: 1 }\n", StringComparison.Ordinal));

        var expire = await h.RunAsync("expire", "--server", Server);
        Assert.True(expire.ExitCode == 0, expire.ToString());
        Assert.Contains($"removed {older.Length} backups", expire.Stdout, StringComparison.Ordinal);
        var info = await h.RunAsync("--output", "json", "info", "--server", Server);
        Assert.True(info.ExitCode == 0, info.ToString());
        using (var document = JsonDocument.Parse(info.Stdout))
        {
            var server = Assert.Single(document.RootElement.GetProperty("servers").EnumerateArray());
            var kept = server.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("id").GetString()).ToList();
            Assert.DoesNotContain(Assert.Single(kept), older);
            Assert.Empty(server.GetProperty("wal_gaps").EnumerateArray());
        }

        var verify = await h.RunAsync("verify", "--server", Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    private static async Task AssertDumpRestoreAsync(PgArkHarness h)
    {
        var source = await TableSnapshot.CaptureDatabaseAsync(h.Cluster);
        var dump = await h.RunAsync("dump", "--server", Server, "--database", "postgres");
        Assert.True(dump.ExitCode == 0, dump.ToString());
        var restore = await h.RunAsync("dump-restore", "--server", Server, "--database", "postgres", "--into", "postgres_copy");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        source.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres_copy"));
    }
}
