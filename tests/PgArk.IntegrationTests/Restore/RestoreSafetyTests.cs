using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Restore;

/// <summary>Issue 11: a delta restore touches only what it owns; a forged manifest writes nothing; restore_command survives any config path.</summary>
public class RestoreSafetyTests
{
    private const int Refused = 4;
    private const int Integrity = 5;

    [Fact]
    public async Task DeltaRestore_IntoFolderThatIsNotADataDirectory_RefusedAndFolderUntouchedByteForByte()
    {
        await using var h = await PgArkHarness.CreateAsync();
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var foreign = h.Folder.Combine("photos");
        Directory.CreateDirectory(Path.Combine(foreign, "2026", "base"));
        await File.WriteAllTextAsync(Path.Combine(foreign, "2026", "holiday.jpg"), "not a database");
        await File.WriteAllTextAsync(Path.Combine(foreign, "2026", "base", "1259"), "same name as a catalog file");
        await File.WriteAllTextAsync(Path.Combine(foreign, "global"), "a file where the backup has a folder");
        var before = Tree(foreign);

        var run = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", foreign, "--delta", "--target", "immediate");
        Assert.True(run.ExitCode == Refused, run.ToString());
        Assert.Contains("PG_VERSION", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Tree(foreign));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(h.Folder.Path), p => p.Contains(".pgark-saved-wal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeltaRestore_OtherClusterOrRunningServer_Refused_AndOwnTablespaceFolderRewritten_OthersKept_UnarchivedWalMovedAside()
    {
        await using var h = await PgArkHarness.CreateAsync();
        var original = h.Folder.Combine("ts-original");
        Directory.CreateDirectory(original);
        await Posix.ChownToPostgresAsync(original, recursive: false, CancellationToken.None);
        await h.Cluster.ExecuteAsync($"CREATE TABLESPACE outside LOCATION '{original}'");
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE far (id int PRIMARY KEY, note text) TABLESPACE outside;
            INSERT INTO far SELECT g, md5(g::text) FROM generate_series(1, 5000) g;
            CREATE TABLE near AS SELECT g AS id FROM generate_series(1, 1000) g;
            """);
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var expected = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        await h.SwitchAndWaitForArchiveAsync();

        // A first, plain restore gives a data directory of this cluster with its tablespace moved to `relocated`.
        var target = h.Folder.Combine("target");
        var relocated = h.Folder.Combine("ts-relocated");
        Directory.CreateDirectory(target);
        await Posix.ChownToPostgresAsync(target, recursive: false, CancellationToken.None);
        var map = $"{original}={relocated}";
        var first = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target", "immediate", "--tablespace-map", map);
        Assert.True(first.ExitCode == 0, first.ToString());
        var own = Directory.GetDirectories(relocated).Select(Path.GetFileName).Single()!;
        Assert.StartsWith("PG_15_", own, StringComparison.Ordinal);

        // Other clusters share the location: their version folders must survive byte for byte.
        foreach (var other in new[] { "PG_14_202107181", "PG_15_202209060" })
        {
            Directory.CreateDirectory(Path.Combine(relocated, other, "16384"));
            await File.WriteAllTextAsync(Path.Combine(relocated, other, "16384", "16385"), $"data of another cluster in {other}");
        }
        var othersBefore = Tree(relocated, exclude: own);

        // WAL the server wrote but never archived, next to a segment marked as archived.
        var walFolder = Path.Combine(target, "pg_wal");
        var unarchived = Path.Combine(walFolder, "0000000100000000000000F1");
        var archived = Path.Combine(walFolder, "0000000100000000000000F0");
        await File.WriteAllBytesAsync(unarchived, RandomNumberGenerator.GetBytes(64 * 1024));
        await File.WriteAllBytesAsync(archived, RandomNumberGenerator.GetBytes(1024));
        await File.WriteAllTextAsync(Path.Combine(walFolder, "archive_status", "0000000100000000000000F0.done"), "");
        var unarchivedSha = Sha256(unarchived);
        await File.WriteAllTextAsync(Path.Combine(target, "base", "stray-file"), "not in any backup");

        // A server's postmaster.pid (running, or crashed) refuses, touching nothing.
        var pidFile = Path.Combine(target, "postmaster.pid");
        await File.WriteAllTextAsync(pidFile, "999999\n");
        var targetBefore = Tree(target);
        var whileRunning = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--delta", "--target", "immediate",
            "--tablespace-map", map);
        Assert.True(whileRunning.ExitCode == Refused, whileRunning.ToString());
        Assert.Contains("postmaster.pid", whileRunning.Stderr, StringComparison.Ordinal);
        Assert.Equal(targetBefore, Tree(target));
        File.Delete(pidFile);

        // Another cluster's data directory (same major version, different system identifier) refuses too.
        await using (var stranger = await TestCluster.CreateAsync(new TestClusterOptions { DataChecksums = false, Start = false }, CancellationToken.None))
        {
            var strangerBefore = Tree(stranger.DataDirectory);
            var wrongCluster = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", stranger.DataDirectory, "--delta", "--target", "immediate",
                "--tablespace-map", $"{original}={h.Folder.Combine("ts-unused")}");
            Assert.True(wrongCluster.ExitCode == Refused, wrongCluster.ToString());
            Assert.Contains("system identifier", wrongCluster.Stderr, StringComparison.Ordinal);
            Assert.Equal(strangerBefore, Tree(stranger.DataDirectory));
        }

        // A --tablespace-map target that is not empty and not this cluster's is refused, as in a plain restore.
        var occupied = h.Folder.Combine("ts-occupied");
        Directory.CreateDirectory(occupied);
        await File.WriteAllTextAsync(Path.Combine(occupied, "keep-me"), "someone else's");
        var toOccupied = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--delta", "--target", "immediate",
            "--tablespace-map", $"{original}={occupied}");
        Assert.True(toOccupied.ExitCode == Refused, toOccupied.ToString());
        Assert.Equal(targetBefore.Where(e => e.Key != "postmaster.pid"), Tree(target));

        var delta = await h.RunAsync("--output", "json", "restore", "--server", PgArkHarness.Server, "--pgdata", target, "--delta",
            "--target", "immediate", "--target-action", "promote", "--tablespace-map", map);
        Assert.True(delta.ExitCode == 0, delta.ToString());
        string saved;
        using (var document = JsonDocument.Parse(delta.Stdout))
        {
            saved = document.RootElement.GetProperty("savedWalFolder").GetString()!;
        }
        Assert.Equal(othersBefore, Tree(relocated, exclude: own));
        Assert.Equal(unarchivedSha, Sha256(Path.Combine(saved, Path.GetFileName(unarchived))));
        Assert.False(File.Exists(Path.Combine(saved, Path.GetFileName(archived))), "a segment marked .done is archived and need not be kept");
        Assert.False(File.Exists(unarchived));
        Assert.False(File.Exists(Path.Combine(target, "base", "stray-file")));

        await using var restored = await TestCluster.AttachAsync(target, new TestClusterAttachOptions
        {
            Settings = new Dictionary<string, string> { ["archive_mode"] = "off" }, DeleteDataDirectoryOnDispose = true, StartTimeout = TimeSpan.FromMinutes(3),
        }, CancellationToken.None);
        await restored.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
        expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        Assert.Equal(relocated, await restored.ScalarAsync<string>("SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'outside'"));
    }

    public static TheoryData<string> Forgeries => new() { "dot-dot", "absolute", "unrecorded-tablespace" };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task ForgedManifestEntry_RestoreAndVerifyExit5_NothingWrittenOutsideOrInsideTheTarget(string forgery)
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g");
        var backup = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        string id;
        using (var document = JsonDocument.Parse(backup.Stdout))
        {
            id = document.RootElement.GetProperty("backup_id").GetString()!;
        }
        await h.SwitchAndWaitForArchiveAsync();

        var target = h.Folder.Combine("target");
        var victim = h.Folder.Combine("victim");
        var manifestPath = Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups", id, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        var files = manifest["files"]!.AsArray();
        // An existing entry re-pointed, so its stored object exists and only the path is forged.
        var entry = files.First(f => f!["path"]!.GetValue<string>() == "PG_VERSION")!.AsObject();
        var forgedPath = forgery switch
        {
            "dot-dot" => "../victim",
            "absolute" => victim,
            _ => "pg_tblspc/99999/PG_15_202209061/victim",
        };
        if (forgery == "unrecorded-tablespace")
        {
            var directories = manifest["directories"]!.AsArray();
            foreach (var folder in new[] { "pg_tblspc/99999", "pg_tblspc/99999/PG_15_202209061" })
            {
                directories.Add(new JsonObject { ["path"] = folder, ["mode"] = 448 });
            }
        }
        var copy = JsonNode.Parse(entry.ToJsonString())!.AsObject();
        copy["path"] = forgedPath;
        files.Add(copy);
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        var restore = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", target, "--target", "immediate");
        Assert.True(restore.ExitCode == Integrity, restore.ToString());
        Assert.Contains("not safe to use", restore.Stderr, StringComparison.Ordinal);
        Assert.False(Path.Exists(victim));
        Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any(), "nothing may be written before the manifest is checked");

        var verify = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == Integrity, verify.ToString());
        Assert.Contains("not safe to use", verify.Stdout + verify.Stderr, StringComparison.Ordinal);
        Assert.False(Path.Exists(victim));
    }

    [Fact]
    public async Task Restore_ConfigPathWithBackslashQuoteAndSpace_RestoreCommandFetchesWal()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g");
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        // Rows only WAL replay can bring back: restore_command must work for them to appear.
        await h.Cluster.ExecuteAsync("INSERT INTO t SELECT g FROM generate_series(1001, 3000) g");
        var expected = await TableSnapshot.CaptureTableAsync(h.Cluster, "t", "postgres", CancellationToken.None);
        await h.SwitchAndWaitForArchiveAsync();

        var odd = h.Folder.Combine(@"we ird\dir'q");
        Directory.CreateDirectory(odd);
        File.SetUnixFileMode(odd, (UnixFileMode)0x1ED);
        var config = Path.Combine(odd, "pgark.yaml");
        File.Copy(h.ConfigPath, config);
        File.SetUnixFileMode(config, (UnixFileMode)0x1A4);

        var target = h.Folder.Combine("restored");
        Directory.CreateDirectory(target);
        await Posix.ChownToPostgresAsync(target, recursive: false, CancellationToken.None);
        var run = await CliRun.RunAsync("--config", config, "restore", "--server", PgArkHarness.Server, "--pgdata", target);
        Assert.True(run.ExitCode == 0, run.ToString());
        await using var restored = await TestCluster.AttachAsync(target, new TestClusterAttachOptions
        {
            Settings = new Dictionary<string, string> { ["archive_mode"] = "off" }, DeleteDataDirectoryOnDispose = true, StartTimeout = TimeSpan.FromMinutes(3),
        }, CancellationToken.None);
        await restored.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
        expected.AssertSameContent(await TableSnapshot.CaptureTableAsync(restored, "t", "postgres", CancellationToken.None));
    }

    [Fact]
    public async Task TargetTimeline_LatestFollowsThePromotedBranch_CurrentAndOneStayOnTheBackupsTimeline()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE t (id int, branch text); INSERT INTO t SELECT g, 'base' FROM generate_series(1, 100) g");
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        await h.Cluster.ExecuteAsync("INSERT INTO t SELECT g, 'timeline 1' FROM generate_series(101, 150) g");
        var onTimeline1 = await TableSnapshot.CaptureTableAsync(h.Cluster, "t", "postgres", CancellationToken.None);
        await h.SwitchAndWaitForArchiveAsync();

        // A copy promoted at the end of the backup starts timeline 2 and archives it (and its history file) into the same repository.
        var branchFolder = h.Folder.Combine("branch");
        var run = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", branchFolder, "--target", "immediate", "--target-action", "promote");
        Assert.True(run.ExitCode == 0, run.ToString());
        TableSnapshot onTimeline2;
        // Started with the source's postgresql.conf (archive_mode on, archive_command to the harness repository).
        await using (var branch = await TestCluster.AttachAsync(branchFolder, new TestClusterAttachOptions
                     { DeleteDataDirectoryOnDispose = true, StartTimeout = TimeSpan.FromMinutes(3) }, CancellationToken.None))
        {
            await branch.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(2, await TimelineAsync(branch));
            await branch.ExecuteAsync("INSERT INTO t SELECT g, 'timeline 2' FROM generate_series(1001, 1020) g");
            onTimeline2 = await TableSnapshot.CaptureTableAsync(branch, "t", "postgres", CancellationToken.None);
            var segment = await branch.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (string.CompareOrdinal(await branch.ScalarAsync<string>("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), segment) < 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"timeline 2 segment {segment} not archived:\n{branch.ReadLog()}");
                await Task.Delay(100); // poll interval of the condition above, as PgArkHarness.SwitchAndWaitForArchiveAsync
            }
        }

        foreach (var (timeline, expected) in new[] { ("latest", onTimeline2), ("2", onTimeline2), ("current", onTimeline1), ("1", onTimeline1) })
        {
            var (restoreRun, restored) = await h.RestoreAndStartAsync($"tl-{timeline}", "--target-timeline", timeline);
            Assert.True(restoreRun.ExitCode == 0, restoreRun.ToString());
            Assert.Contains($"recovery_target_timeline = '{timeline}'", restoreRun.Stdout, StringComparison.Ordinal);
            await using (restored!)
            {
                await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
                expected.AssertSameContent(await TableSnapshot.CaptureTableAsync(restored, "t", "postgres", CancellationToken.None));
            }
        }
    }

    [Fact]
    public async Task SymlinkedPgWal_BackupRecordsIt_RestoreRecreatesOrRelinksIt_ContentEqual()
    {
        await using var h = await PgArkHarness.CreateAsync();
        // initdb --waldir's layout: pg_wal is a link to a folder outside the data directory.
        var walElsewhere = h.Folder.Combine("wal-elsewhere");
        await h.Cluster.StopAsync(CancellationToken.None);
        Directory.Move(Path.Combine(h.Cluster.DataDirectory, "pg_wal"), walElsewhere);
        File.CreateSymbolicLink(Path.Combine(h.Cluster.DataDirectory, "pg_wal"), walElsewhere);
        await h.Cluster.StartAsync(CancellationToken.None);

        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g");
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        await h.Cluster.ExecuteAsync("INSERT INTO t SELECT g, 'after' FROM generate_series(5001, 6000) g");
        var expected = await TableSnapshot.CaptureTableAsync(h.Cluster, "t", "postgres", CancellationToken.None);
        await h.SwitchAndWaitForArchiveAsync();

        var walTarget = h.Folder.Combine("restored-wal");
        var (run, restored) = await h.RestoreAndStartAsync("restored", "--waldir", walTarget);
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            Assert.Equal(walTarget, new FileInfo(Path.Combine(restored!.DataDirectory, "pg_wal")).LinkTarget);
            Assert.True(Directory.Exists(Path.Combine(walTarget, "archive_status")));
            await restored.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            expected.AssertSameContent(await TableSnapshot.CaptureTableAsync(restored, "t", "postgres", CancellationToken.None));
            Assert.NotEmpty(Directory.EnumerateFiles(walTarget, "0000*"));
        }

        // Without --waldir, while the source still uses the recorded WAL folder, pg_wal is restored as a plain folder (the
        // source's WAL is never touched) and the log says so.
        var (plainRun, plain) = await h.RestoreAndStartAsync("plain", "--target", "immediate", "--target-action", "promote");
        Assert.True(plainRun.ExitCode == 0, plainRun.ToString());
        Assert.Contains("that folder is in use", plainRun.Stdout + plainRun.Stderr, StringComparison.Ordinal);
        await using (plain!)
        {
            Assert.Null(new FileInfo(Path.Combine(plain!.DataDirectory, "pg_wal")).LinkTarget);
            await plain.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(5000L, await plain.ScalarAsync<long>("SELECT count(*) FROM t"));
        }

        // The case the recorded link is for: the host lost both the data directory and the WAL folder. A restore without
        // --waldir recreates pg_wal as a link to the recorded folder.
        await h.Cluster.StopAsync(CancellationToken.None);
        Directory.Delete(walElsewhere, recursive: true);
        var (rebuiltRun, rebuilt) = await h.RestoreAndStartAsync("rebuilt", "--target", "immediate", "--target-action", "promote");
        Assert.True(rebuiltRun.ExitCode == 0, rebuiltRun.ToString());
        await using (rebuilt!)
        {
            Assert.Equal(walElsewhere, new FileInfo(Path.Combine(rebuilt!.DataDirectory, "pg_wal")).LinkTarget);
            await rebuilt.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(5000L, await rebuilt.ScalarAsync<long>("SELECT count(*) FROM t"));
            Assert.NotEmpty(Directory.EnumerateFiles(walElsewhere, "0000*"));
        }
    }

    private static async Task<int> TimelineAsync(TestCluster cluster)
    {
        // The checkpoint at promotion carries the new timeline; force one so pg_control shows it.
        await cluster.ExecuteAsync("CHECKPOINT");
        return await cluster.ScalarAsync<int>("SELECT timeline_id FROM pg_control_checkpoint()");
    }

    /// <summary>Every entry below <paramref name="root"/>: folders, link targets and each file's SHA-256.</summary>
    private static SortedDictionary<string, string> Tree(string root, string? exclude = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, entry.FullName);
            if (exclude is not null && (relative == exclude || relative.StartsWith(exclude + "/", StringComparison.Ordinal)))
            {
                continue;
            }
            result[relative] = entry.LinkTarget is { } link ? $"link {link}" : entry is DirectoryInfo ? "folder" : Sha256(entry.FullName);
        }
        return result;
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
