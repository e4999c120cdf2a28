using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Storage;

/// <summary>
/// An encrypted posix repository through the whole story: backups, WAL, PITR, verify, expire and dumps work as on a
/// plain one, no file in it holds a row value or the passphrase, a wrong passphrase changes nothing, and an altered
/// byte is caught before anything is restored.
/// </summary>
public class EncryptedRepositoryTests
{
    private const string Server = PgArkHarness.Server;

    [Fact]
    public async Task EncryptedRepository_BackupArchivePitrVerifyExpireDump_WorksAndHoldsNoPlainText()
    {
        // No compression, so that a plain repository would hold the row value verbatim and the search means something.
        await using var h = await PgArkHarness.CreateAsync(compression: "none", encrypted: true, repositoryKeys: "retention: { full: 1 }");
        var needle = $"needle-{Guid.NewGuid():N}";
        await h.Cluster.ExecuteAsync($"""
            CREATE TABLE secrets (id int PRIMARY KEY, value text NOT NULL);
            INSERT INTO secrets SELECT i, '{needle}-' || i FROM generate_series(1, 2000) i;
            CREATE TABLE filler AS SELECT i, md5(i::text) AS h FROM generate_series(1, 50000) i;
            """);
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        await h.Cluster.ExecuteAsync("UPDATE filler SET h = 'changed' WHERE i % 7 = 0; INSERT INTO secrets VALUES (5000, 'after full')");
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "incr"));
        await h.Cluster.ExecuteAsync("INSERT INTO secrets VALUES (5001, 'before target')");
        var atTarget = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "postgres", CancellationToken.None);
        await Task.Delay(1100);
        var target = await h.Cluster.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await Task.Delay(1100);
        await h.Cluster.ExecuteAsync("INSERT INTO secrets VALUES (5002, 'after target'); DELETE FROM filler WHERE i < 100");
        await h.SwitchAndWaitForArchiveAsync();

        var (restore, restored) = await h.RestoreAndStartAsync("pitr", "--target-time", target.ToString("yyyy-MM-dd HH:mm:ss.ffffff+00"),
            "--target-action", "promote");
        AssertOk(restore);
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            atTarget.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
        }

        AssertOk(await h.RunAsync("verify", "--server", Server));

        await h.Cluster.CreateDatabaseAsync("shop");
        await h.Cluster.ExecuteAsync($"CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT i, '{needle}-item-' || i FROM generate_series(1, 500) i", "shop");
        var shop = await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "shop", CancellationToken.None);
        AssertOk(await h.RunAsync("dump", "--server", Server, "--database", "shop"));
        AssertOk(await h.RunAsync("dump-restore", "--server", Server, "--database", "shop", "--into", "shop_copy"));
        shop.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(h.Cluster, "shop_copy", CancellationToken.None));

        // retention full: 1 — a second full makes the first chain expire, through the encrypted storage.
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        AssertOk(await h.RunAsync("expire", "--server", Server));
        var info = await h.RunAsync("--output", "json", "info", "--server", Server);
        AssertOk(info);
        using (var json = JsonDocument.Parse(info.Stdout))
        {
            Assert.True(json.RootElement.GetProperty("servers")[0].GetProperty("backups").GetArrayLength() == 1, info.Stdout);
        }
        AssertOk(await h.RunAsync("verify", "--server", Server));

        // The source cluster holds the value in plain text: the search below would find it in a plain repository.
        Assert.True(FilesContaining(h.Cluster.DataDirectory, Encoding.UTF8.GetBytes(needle)).Count > 0);
        var files = Directory.EnumerateFiles(h.RepositoryPath, "*", SearchOption.AllDirectories).ToList();
        Assert.True(files.Count > 100, $"only {files.Count} files in the repository");
        Assert.Empty(FilesContaining(h.RepositoryPath, Encoding.UTF8.GetBytes(needle)));
        Assert.Empty(FilesContaining(h.RepositoryPath, Encoding.UTF8.GetBytes(h.Passphrase!)));
        Assert.Empty(FilesContaining(h.RepositoryPath, "\"server\""u8.ToArray()));
    }

    [Fact]
    public async Task WrongPassphraseOrAlteredByte_Exit5_NothingWrittenAndNothingRestored()
    {
        await using var h = await PgArkHarness.CreateAsync(encrypted: true);
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT i, repeat('x', 200) AS pad FROM generate_series(1, 100000) i");
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        await h.SwitchAndWaitForArchiveAsync();
        // The backup's .backup history file is archived after the segment: wait until nothing is left to archive.
        while (await h.Cluster.ScalarAsync<long>("SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'") > 0)
        {
            await Task.Delay(100);
        }
        var before = Snapshot(h.RepositoryPath);

        // The same configuration with another passphrase.
        var wrongFile = await h.WritePassphraseFileAsync("wrong-passphrase", "not the passphrase");
        var wrongConfig = h.Folder.Combine("wrong.yaml");
        await File.WriteAllTextAsync(wrongConfig, (await File.ReadAllTextAsync(h.ConfigPath)).Replace(h.Folder.Combine("passphrase"), wrongFile, StringComparison.Ordinal));
        foreach (var args in new[] { new[] { "backup", "--server", Server, "--type", "incr" }, ["info", "--server", Server], ["expire", "--server", Server] })
        {
            var run = await CliRun.RunAsync(["--config", wrongConfig, .. args]);
            Assert.True(run.ExitCode == 5, run.ToString());
            Assert.Contains($"wrong passphrase for encrypted repository 'local' ({h.RepositoryPath}): the key check failed", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("not the passphrase", run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
        var wrongTarget = h.Folder.Combine("wrong-target");
        Directory.CreateDirectory(wrongTarget);
        var wrongRestore = await CliRun.RunAsync("--config", wrongConfig, "restore", "--server", Server, "--pgdata", wrongTarget);
        Assert.True(wrongRestore.ExitCode == 5, wrongRestore.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(wrongTarget));
        var after = Snapshot(h.RepositoryPath);
        Assert.True(before == after, $"changed: {string.Join(", ", after.Split('\n').Except(before.Split('\n')))}");

        // One flipped bit in the middle of the largest stored file of the backup.
        var largest = Directory.EnumerateFiles(Path.Combine(h.RepositoryPath, "servers", Server, "backups"), "*", SearchOption.AllDirectories)
            .MaxBy(f => new FileInfo(f).Length)!;
        await using (var stream = new FileStream(largest, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = stream.Length / 2;
            var b = stream.ReadByte();
            stream.Position = stream.Length / 2;
            stream.WriteByte((byte)(b ^ 0x10));
        }
        var target = h.Folder.Combine("tampered-target");
        Directory.CreateDirectory(target);
        var restore = await h.RunAsync("restore", "--server", Server, "--pgdata", target);
        Assert.True(restore.ExitCode == 5, restore.ToString());
        Assert.Contains("failed authentication", restore.Stderr, StringComparison.Ordinal);
        Assert.Contains(Path.GetRelativePath(h.RepositoryPath, largest), restore.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        var verify = await h.RunAsync("verify", "--server", Server);
        Assert.True(verify.ExitCode == 5, verify.ToString());
    }

    [Fact]
    public async Task SwappedRelationFiles_VerifyFailsNamingTheFile_RestoreRefuses()
    {
        // Two relation files of the same size: their content differs, but whole encrypted files authenticate on their
        // own, so only the path bound into them tells that they were swapped.
        await using var h = await PgArkHarness.CreateAsync(encrypted: true);
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE one AS SELECT i, 'one-' || i AS v FROM generate_series(1, 5000) i;
            CREATE TABLE two AS SELECT i, 'two-' || i AS v FROM generate_series(1, 5000) i;
            """);
        var onePath = await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('one')") ?? throw new InvalidOperationException("no file for 'one'");
        var twoPath = await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('two')") ?? throw new InvalidOperationException("no file for 'two'");
        AssertOk(await h.RunAsync("backup", "--server", Server, "--type", "full"));
        AssertOk(await h.RunAsync("verify", "--server", Server));

        var backup = Directory.EnumerateDirectories(Path.Combine(h.RepositoryPath, "servers", Server, "backups")).Single();
        var one = Stored(backup, onePath);
        var two = Stored(backup, twoPath);
        File.Move(one, one + ".swap");
        File.Move(two, one);
        File.Move(one + ".swap", two);
        // verify and restore record their runs in history/; the backup itself must stay as it is.
        var before = Snapshot(backup);

        var verify = await h.RunAsync("verify", "--server", Server);
        Assert.True(verify.ExitCode == 5, verify.ToString());
        Assert.Contains("was written under another path (moved, renamed or swapped with another file)", verify.Stdout + verify.Stderr, StringComparison.Ordinal);
        var output = verify.Stdout + verify.Stderr;
        Assert.True(output.Contains(Path.GetRelativePath(h.RepositoryPath, one), StringComparison.Ordinal)
            || output.Contains(Path.GetRelativePath(h.RepositoryPath, two), StringComparison.Ordinal), verify.ToString());

        var target = h.Folder.Combine("swapped-target");
        Directory.CreateDirectory(target);
        var restore = await h.RunAsync("restore", "--server", Server, "--pgdata", target);
        Assert.True(restore.ExitCode == 5, restore.ToString());
        Assert.Contains("was written under another path", restore.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.Equal(before, Snapshot(backup));
    }

    /// <summary>The stored file of data-directory path <paramref name="relative"/> in a backup folder (whatever the codec's extension).</summary>
    private static string Stored(string backup, string relative)
    {
        var folder = Path.Combine(backup, "data", Path.GetDirectoryName(relative)!);
        var name = Path.GetFileName(relative);
        return Directory.EnumerateFiles(folder).Single(f => Path.GetFileName(f) == name || Path.GetFileNameWithoutExtension(f) == name);
    }

    [Fact]
    public async Task EncryptionOnPlainRepository_IsRefused_AndTheReverseToo()
    {
        await using var h = await PgArkHarness.CreateAsync();
        var passphraseFile = await h.WritePassphraseFileAsync("passphrase", "p");
        var encryptedConfig = h.Folder.Combine("encrypted.yaml");
        await File.WriteAllTextAsync(encryptedConfig, (await File.ReadAllTextAsync(h.ConfigPath)).Replace(
            "    compression: zstd\n", $"    compression: zstd\n    encryption: {{ passphraseFile: {passphraseFile} }}\n", StringComparison.Ordinal));
        var refused = await CliRun.RunAsync("--config", encryptedConfig, "backup", "--server", Server);
        Assert.True(refused.ExitCode == 4, refused.ToString());
        Assert.Contains($"repository 'local' ({h.RepositoryPath}) already holds unencrypted data; refusing to encrypt into it", refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(h.RepositoryPath, "pgark-encryption.json")));
    }

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());

    private static List<string> FilesContaining(string root, byte[] needle) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0).ToList();

    private static string Snapshot(string root) => string.Join("\n", Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal).Select(f => $"{f} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));
}
