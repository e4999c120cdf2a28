using Xunit.Abstractions;
using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Physical;

public class InterruptedBackupTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Backup_KilledWithSignal9Midway_EarlierBackupStaysRestorable_PartialNeverOffered_NextBackupSucceeds()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE kept AS SELECT g AS id FROM generate_series(1, 1000) g");
        var first = await h.RunAsync("backup", "--server", PgArkHarness.Server);
        Assert.True(first.ExitCode == 0, first.ToString());
        var firstId = BackupIds(await h.RunAsync("info", "--server", PgArkHarness.Server, "--output", "json")).Single();

        // Make the next backup slow enough to be killed midway: more data, strongest zstd level, one job.
        await PgBench.InitAsync(h.Cluster, "postgres", 8, CancellationToken.None);
        await RewriteCompressionAsync(h, "compressionLevel: 19");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} starting slow backup");
        using (var process = h.StartProcess("backup", "--server", PgArkHarness.Server, "--jobs", "1"))
        {
            var backups = Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups");
            // Largest files go first, so once the new backup's folder exists the 100 MB relation is being compressed.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !process.HasExited
                   && !Directory.EnumerateDirectories(backups).Any(d => Path.GetFileName(d) != firstId))
            {
                await Task.Delay(20);
            }
            await Task.Delay(1000);
            if (process.HasExited)
            {
                Assert.Fail("the backup finished before it could be killed: " + await process.StandardError.ReadToEndAsync());
            }
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} killing {process.Id}; folders: {string.Join(",", Directory.EnumerateDirectories(backups).Select(Path.GetFileName))}");
            process.Kill();
            await process.WaitForExitAsync();
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} exit {process.ExitCode}; stderr: {await process.StandardError.ReadToEndAsync()}; stdout: {await process.StandardOutput.ReadToEndAsync()}");
        }

        var info = await h.RunAsync("info", "--server", PgArkHarness.Server, "--output", "json");
        Assert.Equal([firstId], BackupIds(info));

        var restoreOfFirst = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", h.Folder.Combine("restored"),
            "--backup", firstId, "--target", "immediate");
        Assert.True(restoreOfFirst.ExitCode == 0, restoreOfFirst.ToString());

        await RewriteCompressionAsync(h, "compressionLevel: 1");
        var next = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server);
        Assert.True(next.ExitCode == 0, next.ToString());
        using var document = JsonDocument.Parse(next.Stdout);
        Assert.Equal(1, document.RootElement.GetProperty("removed_incomplete_backups").GetArrayLength());
        Assert.Equal(2, BackupIds(await h.RunAsync("info", "--server", PgArkHarness.Server, "--output", "json")).Count);
    }

    private static List<string> BackupIds(CliRun info)
    {
        Assert.True(info.ExitCode == 0, info.ToString());
        using var document = JsonDocument.Parse(info.Stdout);
        return document.RootElement.GetProperty("servers")[0].GetProperty("backups").EnumerateArray()
            .Select(b => b.GetProperty("id").GetString()!).ToList();
    }

    private static async Task RewriteCompressionAsync(PgArkHarness h, string levelLine)
    {
        var lines = (await File.ReadAllLinesAsync(h.ConfigPath)).Where(l => !l.Contains("compressionLevel", StringComparison.Ordinal)).ToList();
        var at = lines.FindIndex(l => l.Contains("compression:", StringComparison.Ordinal));
        lines.Insert(at + 1, "    " + levelLine);
        await File.WriteAllLinesAsync(h.ConfigPath, lines);
    }
}
