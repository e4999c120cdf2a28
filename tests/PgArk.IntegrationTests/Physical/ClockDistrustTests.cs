using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Physical;

/// <summary>
/// Unchanged-file detection by size and modification time must not trust a clock that jumped. These tests build the
/// coincidence a jump makes possible (a file rewritten with the same size and the same mtime its parent recorded) and
/// prove the incremental backup still stores the new content.
/// </summary>
public class ClockDistrustTests
{
    [Fact]
    public async Task Incr_ClockBehindParentAndSameMtime_ComparesByContent_RestoresEqual()
    {
        await using var h = await PgArkHarness.CreateAsync();
        // fillfactor 50: the update below fits in the same pages (HOT), so the file keeps its size.
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE clocked (id int PRIMARY KEY, v text) WITH (fillfactor = 50, autovacuum_enabled = off);
            INSERT INTO clocked SELECT g, md5(g::text) FROM generate_series(1, 2000) g;
            CHECKPOINT
            """);
        var relation = Path.Combine(h.Cluster.DataDirectory, (await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('clocked')"))!);
        var full = await BackupAsync(h, "full");
        var recorded = FileEntry(await ReadManifestAsync(h, full), Path.GetRelativePath(h.Cluster.DataDirectory, relation));
        var recordedSize = recorded.GetProperty("size").GetInt64();
        var recordedMtime = recorded.GetProperty("modifiedAt").GetInt64();

        await h.Cluster.ExecuteAsync("UPDATE clocked SET v = upper(v)");
        // Read before the checkpoint: the scan sets hint bits, and the checkpoint then writes every dirty page, so the backup's
        // own checkpoint has nothing left to write into the file (which would give it a fresh mtime).
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        await h.Cluster.ExecuteAsync("CHECKPOINT");
        Assert.Equal(recordedSize, new FileInfo(relation).Length); // precondition: same size
        // The coincidence a backward clock jump allows: the rewrite carries the mtime the parent recorded...
        File.SetLastWriteTimeUtc(relation, DateTimeOffset.FromUnixTimeSeconds(recordedMtime).UtcDateTime);
        // ...and the parent ran while the clock was a day ahead.
        await ShiftTimesAsync(h, full, TimeSpan.FromDays(1));

        var incrRun = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "incr");
        Assert.True(incrRun.ExitCode == 0, incrRun.ToString());
        Assert.Contains("is behind the end of parent backup", incrRun.Stdout + incrRun.Stderr, StringComparison.Ordinal);
        var incr = JsonDocument.Parse(incrRun.Stdout).RootElement.GetProperty("backup_id").GetString()!;
        var entry = FileEntry(await ReadManifestAsync(h, incr), Path.GetRelativePath(h.Cluster.DataDirectory, relation));
        Assert.False(entry.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String,
            $"the rewritten file was taken as unchanged: {entry}");

        var verify = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var (run, restored) = await h.RestoreAndStartAsync("restored", "--backup", incr, "--target", "immediate", "--target-action", "promote");
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }
    }

    private static async Task<string> BackupAsync(PgArkHarness h, string type)
    {
        var run = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", type);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
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

    /// <summary>Moves the recorded start and stop of a backup, as if the clock had been off by <paramref name="shift"/>.</summary>
    private static async Task ShiftTimesAsync(PgArkHarness h, string id, TimeSpan shift)
    {
        var path = ManifestPath(h, id);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        foreach (var field in new[] { "startTime", "stopTime" })
        {
            manifest[field] = (manifest[field]!.GetValue<DateTimeOffset>() + shift).ToString("O");
        }
        await File.WriteAllTextAsync(path, manifest.ToJsonString());
    }
}
