using System.Text.RegularExpressions;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Restore;

/// <summary>
/// Issue 11, durable restore: before restore reports success, every file and folder it wrote — in the data directory,
/// pg_wal and each tablespace — has been fsynced. Watched from outside with strace on the real executable, so the test
/// sees the system calls themselves, not PgArk's account of them.
/// </summary>
public partial class DurableRestoreTests
{
    [Fact]
    public async Task Restore_FsyncsEveryFileAndFolderItWrote_InDataDirectoryAndTablespace()
    {
        await using var h = await PgArkHarness.CreateAsync();
        var tablespace = h.Folder.Combine("ts");
        Directory.CreateDirectory(tablespace);
        await Posix.ChownToPostgresAsync(tablespace, recursive: false, CancellationToken.None);
        await h.Cluster.ExecuteAsync($"CREATE TABLESPACE space LOCATION '{tablespace}'");
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE near AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g;
            CREATE TABLE far TABLESPACE space AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g;
            """);
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var target = h.Folder.Combine("restored");
        var tablespaceTarget = h.Folder.Combine("restored-ts");
        var trace = h.Folder.Combine("restore.strace");
        var run = await ProcessRunner.RunAsync("strace",
            ["-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o", trace, PgArkHarness.Executable, "--config", h.ConfigPath, "restore",
                "--server", PgArkHarness.Server, "--pgdata", target, "--tablespace-map", $"{tablespace}={tablespaceTarget}",
                "--target", "immediate", "--target-action", "promote"],
            new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(5) }, CancellationToken.None);
        Assert.True(run.Succeeded, run.Output);

        // pg_control is synced under its temporary name, then renamed into place and its folder synced (installed last).
        var synced = SyncedPaths().Matches(await File.ReadAllTextAsync(trace)).Select(m => m.Groups[1].Value)
            .Select(path => path.EndsWith("/global/pg_control.pgark-restoring", StringComparison.Ordinal) ? path[..^".pgark-restoring".Length] : path)
            .ToHashSet(StringComparer.Ordinal);
        var written = new[] { target, tablespaceTarget }.SelectMany(root => EntriesBelow(new DirectoryInfo(root)).Append(root)).ToList();
        Assert.True(written.Count > 100, $"only {written.Count} entries restored");
        var unsynced = written.Where(path => !synced.Contains(path)).ToList();
        Assert.True(unsynced.Count == 0, $"{unsynced.Count} of {written.Count} restored entries were never fsynced, e.g. "
            + string.Join(", ", unsynced.Take(5)));
        // The folder that gained the data directory's entry too: the restore is reachable by name after a crash.
        Assert.Contains(h.Folder.Path, synced);
    }

    /// <summary>Every file and folder below <paramref name="folder"/>, not following links (a tablespace is its own root).</summary>
    private static IEnumerable<string> EntriesBelow(DirectoryInfo folder)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }
            yield return entry.FullName;
            if (entry is DirectoryInfo child)
            {
                foreach (var below in EntriesBelow(child))
                {
                    yield return below;
                }
            }
        }
    }

    // strace -y prints each descriptor with its path: fsync(12</tmp/x/base/5/1259>) = 0. With parallel threads a call is
    // often split ("fsync(12</…> <unfinished ...>" then "<... fsync resumed>) = 0"), so the call is matched, not its
    // result: a failed fsync fails the restore, which the exit code check already covers.
    [GeneratedRegex(@"f(?:data)?sync\(\d+<([^>]*)>", RegexOptions.CultureInvariant)]
    private static partial Regex SyncedPaths();
}
