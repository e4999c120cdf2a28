using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PgArk.IntegrationTests.Physical;

/// <summary>
/// Page deltas on the clusters users run: without data checksums and with <c>wal_log_hints = off</c>, reading a freshly
/// loaded table sets hint bits, which changes pages without giving them a new LSN. Every incremental and differential
/// must still restore to exactly what the cluster held.
/// </summary>
public class HintBitDeltaTests(ITestOutputHelper output)
{
    /// <summary>Issue 11, scenario 1: full → count(*) on a freshly loaded table → CHECKPOINT → incr → verify → restore.</summary>
    [Fact]
    public async Task Incr_AfterReadOnlyCountSetsHintBits_OnClusterWithoutChecksums_VerifiesAndRestoresEqual()
    {
        await using var h = await PgArkHarness.CreateAsync();
        Assert.Equal("off", await h.Cluster.ScalarAsync<string>("SHOW data_checksums"));
        Assert.Equal("off", await h.Cluster.ScalarAsync<string>("SHOW wal_log_hints"));
        // No autovacuum: it would read the table (and set the hint bits) before the full backup.
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE fresh (id int, v text) WITH (autovacuum_enabled = off);
            INSERT INTO fresh SELECT g, md5(g::text) FROM generate_series(1, 100000) g;
            CHECKPOINT
            """);
        var relation = (await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('fresh')"))!;
        var full = await BackupAsync(h, "full");
        var fullManifest = await ReadManifestAsync(h, full);
        Assert.Equal(2, fullManifest.GetProperty("format").GetInt32());
        Assert.False(fullManifest.GetProperty("walLogHints").GetBoolean());
        Assert.True(FileEntry(fullManifest, relation).TryGetProperty("blockMap", out _), "the full backup records the table's block map");

        Assert.Equal(100000L, await h.Cluster.ScalarAsync<long>("SELECT count(*) FROM fresh"));
        await h.Cluster.ExecuteAsync("CHECKPOINT");
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        var incr = await BackupAsync(h, "incr");
        var entry = FileEntry(await ReadManifestAsync(h, incr), relation);
        Assert.True(entry.TryGetProperty("delta", out var delta), entry.ToString());
        Assert.True(delta.GetProperty("pages").GetInt32() > 0, "the hint-bit pages are in the delta");

        var verify = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        await AssertRestoresEqualAsync(h, "restored", incr, expected, ["postgres"]);
    }

    public static TheoryData<bool, bool> Configurations => new()
    {
        { false, false },
        { false, true },
        { true, false },
        { true, true },
    };

    /// <summary>
    /// full → changes → incr → changes → diff, each restored and compared by table content and pg_amcheck, on every
    /// combination of data checksums and wal_log_hints. The changes cover a tablespace, an unlogged table, CREATE
    /// DATABASE with both strategies, TRUNCATE and re-insert, VACUUM FULL, a table dropped and re-created under the same
    /// name, and read-only scans of freshly loaded tables (hint bits).
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task FullIncrDiff_ConfigurationMatrix_EveryBackupRestoresEqual(bool dataChecksums, bool walLogHints)
    {
        await using var h = await PgArkHarness.CreateAsync(dataChecksums: dataChecksums,
            settings: new Dictionary<string, string> { ["wal_log_hints"] = walLogHints ? "on" : "off", ["autovacuum"] = "off" });
        // initdb --waldir's layout: pg_wal is a link to a folder outside the data directory.
        await h.Cluster.StopAsync(CancellationToken.None);
        var walElsewhere = h.Folder.Combine("wal-elsewhere");
        Directory.Move(Path.Combine(h.Cluster.DataDirectory, "pg_wal"), walElsewhere);
        File.CreateSymbolicLink(Path.Combine(h.Cluster.DataDirectory, "pg_wal"), walElsewhere);
        await h.Cluster.StartAsync(CancellationToken.None);
        var tablespace = h.Folder.Combine("ts");
        Directory.CreateDirectory(tablespace);
        await Posix.ChownToPostgresAsync(tablespace, recursive: false, CancellationToken.None);
        await h.Cluster.ExecuteAsync($"CREATE TABLESPACE space LOCATION '{tablespace}'");
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE far (id int PRIMARY KEY, v text) TABLESPACE space;
            INSERT INTO far SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
            CREATE UNLOGGED TABLE scratch (id int, v text);
            INSERT INTO scratch SELECT g, 'u' FROM generate_series(1, 5000) g;
            CREATE TABLE truncated (id int, v text);
            INSERT INTO truncated SELECT g, 'before' FROM generate_series(1, 20000) g;
            CREATE TABLE compacted (id int, v text);
            INSERT INTO compacted SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
            CREATE TABLE recreated (id int, v text);
            INSERT INTO recreated SELECT g, 'first' FROM generate_series(1, 20000) g;
            CREATE TABLE loaded1 (id int, v text);
            INSERT INTO loaded1 SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
            CHECKPOINT
            """);
        var full = await BackupAsync(h, "full");

        await h.Cluster.ExecuteAsync("CREATE DATABASE by_wal STRATEGY wal_log");
        await h.Cluster.ExecuteAsync("CREATE DATABASE by_copy STRATEGY file_copy");
        foreach (var database in new[] { "by_wal", "by_copy" })
        {
            await h.Cluster.ExecuteAsync(
                "CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 10000) g", database);
        }
        // VACUUM FULL cannot share a query string (an implicit transaction) with other statements.
        await h.Cluster.ExecuteAsync("VACUUM FULL compacted");
        await h.Cluster.ExecuteAsync("""
            SELECT count(*) FROM loaded1;
            TRUNCATE truncated;
            INSERT INTO truncated SELECT g, 'after' FROM generate_series(1, 5000) g;
            DELETE FROM compacted WHERE id % 2 = 0;
            DROP TABLE recreated;
            CREATE TABLE recreated (id int, v text);
            INSERT INTO recreated SELECT g, 'second' FROM generate_series(1, 3000) g;
            UPDATE far SET v = 'changed' WHERE id % 50 = 0;
            INSERT INTO scratch SELECT g, 'u2' FROM generate_series(1, 1000) g;
            CREATE TABLE loaded2 (id int, v text);
            INSERT INTO loaded2 SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
            CHECKPOINT
            """);
        var afterIncr = await CaptureAllAsync(h.Cluster);
        var incr = await BackupAsync(h, "incr");

        await h.Cluster.ExecuteAsync("""
            SELECT count(*) FROM loaded2;
            SELECT count(*) FROM far;
            UPDATE truncated SET v = 'updated' WHERE id % 7 = 0;
            INSERT INTO recreated SELECT g, 'third' FROM generate_series(1, 1000) g;
            CHECKPOINT
            """);
        await h.Cluster.ExecuteAsync("SELECT count(*) FROM t; UPDATE t SET v = 'x' WHERE id % 100 = 0", "by_copy");
        await h.Cluster.ExecuteAsync("SELECT count(*) FROM t; CHECKPOINT", "by_wal");
        var afterDiff = await CaptureAllAsync(h.Cluster);
        var diff = await BackupAsync(h, "diff");
        Assert.Equal(full, (await ReadManifestAsync(h, diff)).GetProperty("parent").GetString());

        var verify = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var incrStored = StoredSize(await ReadManifestAsync(h, incr));
        var diffStored = StoredSize(await ReadManifestAsync(h, diff));
        output.WriteLine($"checksums {dataChecksums}, wal_log_hints {walLogHints}: incr stored {incrStored} B, diff stored {diffStored} B");
        Assert.Equal(walElsewhere, (await ReadManifestAsync(h, incr)).GetProperty("walLink").GetString());
        await AssertRestoresEqualAsync(h, "incr", incr, afterIncr, ["postgres", "by_wal", "by_copy"], tablespace, linkWal: true);
        await AssertRestoresEqualAsync(h, "diff", diff, afterDiff, ["postgres", "by_wal", "by_copy"], tablespace, linkWal: true);
    }

    /// <summary>
    /// A repository written before block maps (manifest format 1, no <c>walLogHints</c>) stays readable, and an
    /// incremental on top of such a backup of a cluster without checksums is still correct: with no map to compare
    /// against, changed relation files are copied whole.
    /// </summary>
    [Fact]
    public async Task FormatOneParent_WithoutChecksums_IncrCopiesChangedFilesWhole_AndRestoresEqual()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE fresh (id int, v text) WITH (autovacuum_enabled = off);
            INSERT INTO fresh SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
            CHECKPOINT
            """);
        var relation = (await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('fresh')"))!;
        var full = await BackupAsync(h, "full");
        await RewriteAsFormatOneAsync(h, full);
        var verifyOld = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verifyOld.ExitCode == 0, verifyOld.ToString());

        Assert.Equal(50000L, await h.Cluster.ScalarAsync<long>("SELECT count(*) FROM fresh"));
        await h.Cluster.ExecuteAsync("CHECKPOINT");
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        var incr = await BackupAsync(h, "incr");
        var entry = FileEntry(await ReadManifestAsync(h, incr), relation);
        Assert.False(entry.TryGetProperty("delta", out _), $"no block map in the parent: copied whole ({entry})");
        Assert.True(entry.TryGetProperty("blockMap", out _), "the new backup records the map for the next one");

        var verify = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        await AssertRestoresEqualAsync(h, "restored", incr, expected, ["postgres"]);
    }

    private static async Task RewriteAsFormatOneAsync(PgArkHarness h, string backupId)
    {
        var path = ManifestPath(h, backupId);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        manifest["format"] = 1;
        manifest.Remove("walLogHints");
        foreach (var file in manifest["files"]!.AsArray())
        {
            file!.AsObject().Remove("blockMap");
        }
        await File.WriteAllTextAsync(path, manifest.ToJsonString());
    }

    private static async Task<Dictionary<string, TableSnapshot>> CaptureAllAsync(TestCluster cluster)
    {
        var result = new Dictionary<string, TableSnapshot>(StringComparer.Ordinal);
        foreach (var database in new[] { "postgres", "by_wal", "by_copy" })
        {
            result[database] = await TableSnapshot.CaptureDatabaseAsync(cluster, database, CancellationToken.None);
        }
        return result;
    }

    private static Task AssertRestoresEqualAsync(PgArkHarness h, string name, string backupId, TableSnapshot expected,
        string[] databases) =>
        AssertRestoresEqualAsync(h, name, backupId, new Dictionary<string, TableSnapshot> { [databases[0]] = expected }, databases, null);

    private static async Task AssertRestoresEqualAsync(PgArkHarness h, string name, string backupId,
        Dictionary<string, TableSnapshot> expected, string[] databases, string? tablespace, bool linkWal = false)
    {
        string[] arguments = ["--backup", backupId, "--target", "immediate", "--target-action", "promote"];
        if (tablespace is not null)
        {
            arguments = [.. arguments, "--tablespace-map", $"{tablespace}={h.Folder.Combine($"{name}-ts")}"];
        }
        var walDirectory = h.Folder.Combine($"{name}-wal");
        if (linkWal)
        {
            arguments = [.. arguments, "--waldir", walDirectory];
        }
        var (run, restored) = await h.RestoreAndStartAsync(name, arguments);
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            if (linkWal)
            {
                Assert.Equal(walDirectory, new FileInfo(Path.Combine(restored!.DataDirectory, "pg_wal")).LinkTarget);
            }
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            foreach (var database in databases.Where(expected.ContainsKey))
            {
                expected[database].AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, database, CancellationToken.None));
            }
            var amcheck = await PgAmcheck.RunAsync(restored, ["--heapallindexed"], CancellationToken.None);
            Assert.True(amcheck.Succeeded, amcheck.Output);
        }
    }

    private static async Task<string> BackupAsync(PgArkHarness h, string type)
    {
        var run = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", type);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.Equal(type, document.RootElement.GetProperty("type").GetString());
        return document.RootElement.GetProperty("backup_id").GetString()!;
    }

    private static string ManifestPath(PgArkHarness h, string id) =>
        Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups", id, "manifest.json");

    private static async Task<JsonElement> ReadManifestAsync(PgArkHarness h, string id)
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(ManifestPath(h, id)));
        return document.RootElement.Clone();
    }

    private static JsonElement FileEntry(JsonElement manifest, string path) =>
        manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == path);

    private static long StoredSize(JsonElement manifest) => manifest.GetProperty("storedSize").GetInt64();
}
