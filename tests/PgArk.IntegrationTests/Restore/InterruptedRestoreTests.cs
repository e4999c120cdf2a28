using PgArk.Core.Restore;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Restore;

/// <summary>
/// Issue 17: a restore proves what is on disk. (A restore killed midway leaves no global/pg_control, which is installed
/// last; the test that kills a real restore with signal 9 is not written yet: see the closing note.)
/// </summary>
public class InterruptedRestoreTests
{
    private const int Integrity = 5;

    [Fact]
    public async Task Restore_AChunkWrittenAtAWrongOffset_FailsWithIntegrityError_AndLeavesNothingBehind()
    {
        await using var h = await PgArkHarness.CreateAsync(compression: "lz4");
        await PgBench.InitAsync(h.Cluster, "postgres", 1, CancellationToken.None);
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        await h.SwitchAndWaitForArchiveAsync();

        var target = h.Folder.Combine("target");
        // The in-process restore, with the writer's seam shifting the second 1 MiB chunk of a file by one page: the
        // decompressed stream (and its SHA-256) is intact, only where it lands is wrong.
        WrittenFileLedger.Fault.Value = chunk => chunk.Offset == 1024 * 1024 ? chunk with { Offset = chunk.Offset + 8192 } : chunk;
        CliRun restore;
        try
        {
            restore = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target", "immediate");
        }
        finally
        {
            WrittenFileLedger.Fault.Value = null;
        }
        Assert.True(restore.ExitCode == Integrity, restore.ToString());
        Assert.Contains("written exactly once", restore.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target), "a failed restore removes what it created");
    }
}
