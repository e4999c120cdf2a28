using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Retention;

/// <summary>
/// Three full backups with WAL between them; <c>expire</c> with <c>full: 1</c> removes the two older backups and the WAL
/// before the kept backup's start, a dry run changes nothing, and the kept backup still restores to latest with the
/// source's exact content.
/// </summary>
public class ExpireTests
{
    [Fact]
    public async Task Expire_FullOne_RemovesOlderBackupsAndTheirWal_KeptBackupRestoresToLatest()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, note text NOT NULL)");
        var ids = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            await h.Cluster.ExecuteAsync($"INSERT INTO items SELECT g, 'round {round} ' || g FROM generate_series({round * 1000 + 1}, {round * 1000 + 1000}) g");
            await h.SwitchAndWaitForArchiveAsync();
            var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
            Assert.True(backup.ExitCode == 0, backup.ToString());
            ids.Add(Backups(h).Except(ids).Single());
        }
        await h.Cluster.ExecuteAsync("UPDATE items SET note = note || ' after' WHERE id % 7 = 0");
        await h.SwitchAndWaitForArchiveAsync();
        var expected = await TableSnapshot.CaptureTableAsync(h.Cluster, "items");

        await File.WriteAllTextAsync(h.ConfigPath, (await File.ReadAllTextAsync(h.ConfigPath))
            .Replace("    compression: zstd\n", "    compression: zstd\n    retention: { full: 1 }\n", StringComparison.Ordinal));
        var keptStartWal = StartWal(h, ids[2]);
        var before = RepositoryFiles(h);
        Assert.Contains(before, f => IsSegmentBefore(f, keptStartWal));

        var dryRun = await h.RunAsync("expire", "--server", PgArkHarness.Server, "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains($"would remove backup {ids[0]} (full", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Contains($"would remove backup {ids[1]} (full", dryRun.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"backup {ids[2]}", dryRun.Stdout.Replace($"(backup {ids[2]})", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(before, RepositoryFiles(h));
        // Generated from the registry: --output json is the REST/MCP JSON (snake_case), and no --yes is needed (routine).
        var planned = await h.RunAsync("--output", "json", "expire", "--server", PgArkHarness.Server, "--dry-run");
        Assert.True(planned.ExitCode == 0, planned.ToString());
        using (var json = System.Text.Json.JsonDocument.Parse(planned.Stdout))
        {
            Assert.True(json.RootElement.GetProperty("dry_run").GetBoolean(), planned.Stdout);
            Assert.Equal(2, json.RootElement.GetProperty("repositories")[0].GetProperty("plan").GetProperty("backups").GetArrayLength());
        }
        Assert.Equal(before, RepositoryFiles(h));

        var expire = await h.RunAsync("expire", "--server", PgArkHarness.Server);
        Assert.True(expire.ExitCode == 0, expire.ToString());
        Assert.Contains("removed 2 backups", expire.Stdout, StringComparison.Ordinal);
        Assert.Equal([ids[2]], Backups(h));
        var after = RepositoryFiles(h);
        Assert.DoesNotContain(after, f => IsSegmentBefore(f, keptStartWal));
        Assert.Contains(after, f => Path.GetFileName(f).StartsWith(keptStartWal + "-", StringComparison.Ordinal));

        var again = await h.RunAsync("expire", "--server", PgArkHarness.Server);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("removed 0 backups", again.Stdout, StringComparison.Ordinal);

        var (run, restored) = await h.RestoreAndStartAsync("restored", "--target", "latest", "--target-action", "promote");
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            Assert.Contains(ids[2], run.Stdout, StringComparison.Ordinal);
            expected.AssertSameContent(await TableSnapshot.CaptureTableAsync(restored, "items"));
        }
    }

    private static List<string> Backups(PgArkHarness h) =>
        Directory.GetDirectories(Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups"))
            .Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList();

    private static List<string> RepositoryFiles(PgArkHarness h) =>
        Directory.GetFiles(h.RepositoryPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    private static string StartWal(PgArkHarness h, string id)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(
            Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups", id, "manifest.json")));
        return manifest.RootElement.GetProperty("startWal").GetString()!;
    }

    /// <summary>An archived segment (24 hex digits, then "-sha256") of the kept backup's timeline before its start segment.</summary>
    private static bool IsSegmentBefore(string path, string startWal)
    {
        var name = Path.GetFileName(path);
        return name.Length > 25 && name[24] == '-' && name[..8] == startWal[..8] && string.CompareOrdinal(name[..24], startWal) < 0;
    }
}
