using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Physical;

public class RepositoryCorruptionTests
{
    [Theory]
    [InlineData("none")]
    [InlineData("zstd")]
    public async Task Restore_StoredFileAlteredByOneByte_FailsWithExit5NamingTheFile_AndLeavesNothing(string compression)
    {
        await using var h = await PgArkHarness.CreateAsync(compression);
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT g AS id, repeat('x', 200) AS filler FROM generate_series(1, 50000) g");
        await h.Cluster.ExecuteAsync("CHECKPOINT");
        var relation = await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('t')");
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server);
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var backupFolder = Assert.Single(Directory.GetDirectories(Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups")));
        var stored = Path.Combine(backupFolder, "data", relation! + (compression == "zstd" ? ".zst" : ""));
        Assert.True(File.Exists(stored), stored);
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes);

        var target = h.Folder.Combine("restored");
        var run = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target);
        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains($"'{relation}'", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any(), "a failed restore must not leave files behind");
    }
}
