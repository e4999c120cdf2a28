using System.Text.Json;
using PgArk.Core.Physical;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PgArk.IntegrationTests.Physical;

public class IncrementalBackupTests(ITestOutputHelper output)
{
    private const int PageSize = 8192;

    [Fact]
    public async Task Incr_AfterPgbench500_StoresAtMostOneAndAHalfTimesTheChangedPages()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await PgBench.InitAsync(h.Cluster, "postgres", 10, CancellationToken.None);
        await h.Cluster.ExecuteAsync("CHECKPOINT");
        var full = await BackupJsonAsync(h, "full");
        // Ground truth, independent of pgark: a copy of every database folder right after the full backup.
        var before = h.Folder.Combine("base-before");
        CopyFolder(Path.Combine(h.Cluster.DataDirectory, "base"), before);

        await PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.Transactions(500), CancellationToken.None);
        await h.Cluster.ExecuteAsync("CHECKPOINT");
        var changedPages = CountChangedMainForkPages(before, Path.Combine(h.Cluster.DataDirectory, "base"));
        var incr = await BackupJsonAsync(h, "incr");
        Assert.Equal("incr", incr.GetProperty("type").GetString());
        Assert.Equal(full.GetProperty("backup_id").GetString(), incr.GetProperty("parent").GetString());

        var manifest = await ReadManifestAsync(h, incr.GetProperty("backup_id").GetString()!);
        var files = manifest.GetProperty("files").EnumerateArray().ToList();
        var deltaPages = files.Where(f => f.TryGetProperty("delta", out var d) && d.ValueKind == JsonValueKind.Object && !f.TryGetProperty("reference", out _))
            .Sum(f => f.GetProperty("delta").GetProperty("pages").GetInt64());
        var wholeCopies = files.Where(f => !f.TryGetProperty("reference", out _) && !(f.TryGetProperty("delta", out var d) && d.ValueKind == JsonValueKind.Object))
            .Sum(f => f.GetProperty("size").GetInt64());
        var stored = incr.GetProperty("stored_size").GetInt64();
        var fullSize = full.GetProperty("size").GetInt64();
        output.WriteLine($"changed main-fork pages {changedPages}, delta pages {deltaPages}, whole copies {wholeCopies} B, incr stored {stored} B, full size {fullSize} B");

        Assert.True(changedPages > 0);
        Assert.True(deltaPages <= 1.5 * changedPages, $"{deltaPages} delta pages for {changedPages} changed pages");
        Assert.True(stored <= (1.5 * changedPages * PageSize) + wholeCopies, $"stored {stored} B > 1.5 × {changedPages} pages + {wholeCopies} B of whole files");
        Assert.True(stored < fullSize / 10, "an incremental after 500 transactions should be a small fraction of the database");
    }

    [Fact]
    public async Task ChainOfTenIncrementals_ThenDiff_RestoreEqualToSource_AndDeltaRestoreRewritesOnlyChangedFiles()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await PgBench.InitAsync(h.Cluster, "postgres", 2, CancellationToken.None);
        var full = await BackupJsonAsync(h, "full");
        string last = "";
        for (var i = 0; i < 10; i++)
        {
            await PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.Transactions(100), CancellationToken.None);
            await h.Cluster.ExecuteAsync($"CREATE TABLE IF NOT EXISTS chain_{i % 3} (i int); INSERT INTO chain_{i % 3} VALUES ({i}); DROP TABLE IF EXISTS chain_{(i + 1) % 3}");
            var incr = await BackupJsonAsync(h, "incr");
            Assert.Equal("incr", incr.GetProperty("type").GetString());
            last = incr.GetProperty("backup_id").GetString()!;
        }
        var afterChain = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);

        // Restore the tenth incremental (rebuilt through the full and nine deltas) to its end point.
        var (run, restored) = await h.RestoreAndStartAsync("chain", "--backup", last, "--target", "immediate", "--target-action", "promote");
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            afterChain.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }

        await PgBench.RunAsync(h.Cluster, "postgres", PgBenchLoad.Transactions(200), CancellationToken.None);
        var diff = await BackupJsonAsync(h, "diff");
        Assert.Equal(full.GetProperty("backup_id").GetString(), diff.GetProperty("parent").GetString());
        var afterDiff = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        (run, restored) = await h.RestoreAndStartAsync("diff", "--target", "immediate", "--target-action", "promote");
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            afterDiff.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }

        // Delta restore: the full backup's copy, brought to the diff by rewriting only what differs.
        var target = h.Folder.Combine("delta-target");
        Directory.CreateDirectory(target);
        await Posix.ChownToPostgresAsync(target, recursive: false, CancellationToken.None);
        var first = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--backup", full.GetProperty("backup_id").GetString()!, "--target", "immediate");
        Assert.True(first.ExitCode == 0, first.ToString());
        await File.WriteAllTextAsync(Path.Combine(target, "base", "stray-file"), "not in any backup");
        var delta = await h.RunAsync("--output", "json", "restore", "--server", PgArkHarness.Server, "--pgdata", target, "--delta",
            "--target", "immediate", "--target-action", "promote");
        Assert.True(delta.ExitCode == 0, delta.ToString());
        using (var document = JsonDocument.Parse(delta.Stdout))
        {
            var rewritten = document.RootElement.GetProperty("filesRewritten").GetInt32();
            var total = document.RootElement.GetProperty("files").GetInt32();
            output.WriteLine($"delta restore rewrote {rewritten} of {total} files, removed {document.RootElement.GetProperty("filesRemoved").GetInt32()}");
            Assert.True(document.RootElement.GetProperty("delta").GetBoolean());
            Assert.InRange(rewritten, 1, total / 2);
            Assert.True(document.RootElement.GetProperty("filesRemoved").GetInt32() >= 1);
        }
        Assert.False(File.Exists(Path.Combine(target, "base", "stray-file")));
        await using var deltaCluster = await TestCluster.AttachAsync(target, new TestClusterAttachOptions
        {
            Settings = new Dictionary<string, string> { ["archive_mode"] = "off" }, DeleteDataDirectoryOnDispose = true, StartTimeout = TimeSpan.FromMinutes(3),
        }, CancellationToken.None);
        await deltaCluster.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
        afterDiff.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(deltaCluster, "postgres", CancellationToken.None));
    }

    [Fact]
    public async Task AncestorFileAlteredByOneByte_VerifyNamesIt_AndRestoreOfDescendantFailsWithExit5()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 50000) g; CHECKPOINT");
        var relation = (await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('t')"))!;
        var full = await BackupJsonAsync(h, "full");
        await h.Cluster.ExecuteAsync("UPDATE t SET v = 'changed' WHERE id % 100 = 0");
        var incr = await BackupJsonAsync(h, "incr");
        var verifyOk = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verifyOk.ExitCode == 0, verifyOk.ToString());

        var stored = Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups", full.GetProperty("backup_id").GetString()!, "data", relation + ".zst");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0x20;
        await File.WriteAllBytesAsync(stored, bytes);

        var verify = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 5, verify.ToString());
        Assert.Contains($"backup {full.GetProperty("backup_id").GetString()}: '{relation}'", verify.Stdout, StringComparison.Ordinal);

        var restore = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", h.Folder.Combine("r"), "--backup", incr.GetProperty("backup_id").GetString()!);
        Assert.True(restore.ExitCode == 5, restore.ToString());
        Assert.Contains($"'{relation}'", restore.Stderr, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> BackupJsonAsync(PgArkHarness h, string type)
    {
        var run = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", type);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        return document.RootElement.Clone();
    }

    private static async Task<JsonElement> ReadManifestAsync(PgArkHarness h, string id)
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(
            Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups", id, "manifest.json")));
        return document.RootElement.Clone();
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Main-fork pages whose bytes differ from the earlier copy, plus pages past its end (new files count whole).</summary>
    private static long CountChangedMainForkPages(string before, string after)
    {
        long changed = 0;
        foreach (var file in Directory.EnumerateFiles(after, "*", SearchOption.AllDirectories))
        {
            if (!RelationFileName.TryParse(Path.GetFileName(file), out var relation) || relation.Fork != RelationFork.Main)
            {
                continue;
            }
            var now = File.ReadAllBytes(file);
            var oldPath = Path.Combine(before, Path.GetRelativePath(after, file));
            var old = File.Exists(oldPath) ? File.ReadAllBytes(oldPath) : [];
            for (var offset = 0; offset < now.Length; offset += PageSize)
            {
                var length = Math.Min(PageSize, now.Length - offset);
                if (offset + length > old.Length || !now.AsSpan(offset, length).SequenceEqual(old.AsSpan(offset, length)))
                {
                    changed++;
                }
            }
        }
        return changed;
    }
}
