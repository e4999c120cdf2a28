using System.Globalization;
using System.Text.Json;
using PgArk.Core.Restore;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PgArk.IntegrationTests.Restore;

/// <summary>
/// Issue 17: a restore proves what is on disk, and a restore that dies midway leaves nothing PostgreSQL would start as
/// if it were complete (global/pg_control is installed last); running it again with --delta over the remains finishes it.
/// </summary>
public class InterruptedRestoreTests(ITestOutputHelper output)
{
    private const int Refused = 4;
    private const int Integrity = 5;

    /// <summary>
    /// The real executable is killed with SIGKILL at a point the test controls without any timing: one stored object of
    /// the backup is replaced by a named pipe nobody writes to, so the restore worker that opens it blocks for good while
    /// the other workers restore every other file. Once every file but pg_control exists in the target, the process is
    /// killed by pid. Nothing in pgark is slowed or hooked.
    /// </summary>
    [Fact]
    public async Task Restore_KilledWithSignal9WhileBlockedOnAStoredFile_NotStartable_PlainRerunRefused_DeltaRerunEqualsTheSource()
    {
        await using var h = await PgArkHarness.CreateAsync(compression: "lz4");
        await PgBench.InitAsync(h.Cluster, "postgres", 1, CancellationToken.None);
        await h.Cluster.ExecuteAsync("CREATE TABLE marker AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g");
        var source = await TableSnapshot.CaptureDatabaseAsync(h.Cluster);
        var relation = await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('marker')");
        var backup = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        string id;
        using (var document = JsonDocument.Parse(backup.Stdout))
        {
            id = document.RootElement.GetProperty("backup_id").GetString()!;
        }
        await h.SwitchAndWaitForArchiveAsync();

        var backupFolder = Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups", id);
        var expected = await ManifestPathsAsync(backupFolder);
        Assert.Contains("PG_VERSION", expected);
        Assert.True(expected.Remove("global/pg_control"), "the backup holds pg_control");
        var stored = Path.Combine(backupFolder, "data", relation! + ".lz4");
        Assert.True(File.Exists(stored), $"stored object {stored} not found");
        var aside = h.Folder.Combine("marker-object.lz4");
        File.Move(stored, aside);
        await ProcessRunner.RunAsync("mkfifo", [stored], new ProcessRunOptions { ThrowOnFailure = true }, CancellationToken.None);

        var target = h.Folder.Combine("killed");
        Directory.CreateDirectory(target);
        await Posix.ChownToPostgresAsync(target, recursive: false, CancellationToken.None);
        using (var restore = h.StartProcess("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target", "immediate", "--jobs", "2"))
        {
            var stdout = restore.StandardOutput.ReadToEndAsync();
            var stderr = restore.StandardError.ReadToEndAsync();
            // The pipe never delivers, so the restore cannot finish: the wait ends when every other file exists (pg_control
            // is only written after all of them), or fails when the process exits.
            var deadline = DateTime.UtcNow.AddMinutes(10);
            List<string> missing;
            while ((missing = expected.Where(p => !File.Exists(Path.Combine(target, p))).ToList()).Count > 0 && !restore.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            if (restore.HasExited)
            {
                // Only here: the message awaits stderr, which ends only when the process does.
                Assert.Fail($"the restore ended although one stored file was a pipe: exit {restore.ExitCode}, {await stderr}");
            }
            Assert.True(missing.Count == 0, $"{missing.Count} files still missing after 10 minutes, e.g. {string.Join(", ", missing.Take(5))}");
            Posix.KillNow(restore.Id);
            await restore.WaitForExitAsync();
            output.WriteLine($"killed pgark {restore.Id} (exit {restore.ExitCode}); stdout: {await stdout}; stderr: {await stderr}");
        }
        File.Delete(stored);
        File.Move(aside, stored);

        var victim = new FileInfo(Path.Combine(target, relation!));
        Assert.True(victim.Exists && victim.Length < new FileInfo(Path.Combine(h.Cluster.DataDirectory, relation!)).Length,
            "the file whose object was the pipe is created but not written");
        Assert.False(File.Exists(Path.Combine(target, "global", "pg_control")), "pg_control must come last");
        // PostgreSQL itself refuses the folder (it exits at once instead of starting up). An empty configuration file, so
        // the check does not depend on which configuration files were written before the kill.
        var start = await ProcessRunner.RunAsync(h.Cluster.Binaries.Tool("postgres"),
            ["-D", target, "-c", "config_file=/dev/null", "-c", "listen_addresses=", "-c", $"unix_socket_directories={h.Folder.Path}",
                "-p", FreePort.Next(h.Folder.Path).ToString(CultureInfo.InvariantCulture)],
            new ProcessRunOptions { RunAsPostgres = true, Timeout = TimeSpan.FromMinutes(2) }, CancellationToken.None);
        Assert.False(start.Succeeded, start.Output);
        Assert.Contains("pg_control", start.Output, StringComparison.Ordinal);

        // A plain restore refuses the remains (the folder is not empty) and leaves them as they are.
        var plain = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target", "immediate");
        Assert.True(plain.ExitCode == Refused, plain.ToString());
        Assert.Contains("not empty", plain.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(victim.FullName) && !File.Exists(Path.Combine(target, "global", "pg_control")), "a refused restore changes nothing");

        // Again over the remains, with --delta, as docs/restore-safety.md says: it finishes the job.
        var delta = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target", "immediate", "--delta");
        Assert.True(delta.ExitCode == 0, delta.ToString());
        Assert.True(File.Exists(Path.Combine(target, "global", "pg_control")));
        await using var restored = await TestCluster.AttachAsync(target, new TestClusterAttachOptions
        {
            Settings = new Dictionary<string, string> { ["archive_mode"] = "off" },
            DeleteDataDirectoryOnDispose = false,
            StartTimeout = TimeSpan.FromMinutes(3),
        }, CancellationToken.None);
        source.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored));
    }

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

    /// <summary>The data-directory paths of every file the backup's manifest lists.</summary>
    private static async Task<HashSet<string>> ManifestPathsAsync(string backupFolder)
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(backupFolder, "manifest.json")));
        return document.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!).ToHashSet(StringComparer.Ordinal);
    }
}
