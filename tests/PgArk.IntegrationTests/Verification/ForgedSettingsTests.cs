using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Verification;

/// <summary>
/// A backup whose settings files would run code on the host (preloaded library, archive and passphrase commands, an
/// include of a file PgArk never wrote, a pg_hba.conf that rejects everyone): every sandbox — verify-restore's and the
/// one restore-database/restore-table recover in — starts from PgArk's own configuration.
/// </summary>
public class ForgedSettingsTests
{
    /// <summary>Takes a full backup whose postgresql.auto.conf and pg_hba.conf carry the attack; the live cluster never reloads them.</summary>
    private static async Task ForgedBackupAsync(PgArkHarness h, string ran)
    {
        var autoConf = Path.Combine(h.Cluster.DataDirectory, "postgresql.auto.conf");
        var hba = Path.Combine(h.Cluster.DataDirectory, "pg_hba.conf");
        var original = await File.ReadAllTextAsync(autoConf);
        var originalHba = await File.ReadAllTextAsync(hba);
        await File.AppendAllTextAsync(autoConf, $"""
            shared_preload_libraries = './pgark_forged_library'
            session_preload_libraries = './pgark_forged_library'
            archive_mode = on
            archive_command = 'touch {ran}-archive'
            ssl = on
            ssl_passphrase_command = 'touch {ran}-passphrase'
            include 'pgark-forged-include.conf'

            """);
        await File.WriteAllTextAsync(hba, "local all all reject\n");
        try
        {
            var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");
            Assert.True(backup.ExitCode == 0, backup.ToString());
        }
        finally
        {
            await File.WriteAllTextAsync(autoConf, original);
            await File.WriteAllTextAsync(hba, originalHba);
        }
    }

    private static TempFolder Markers()
    {
        var markers = TempFolder.Create("pgark-it-forged-");
        File.SetUnixFileMode(markers.Path, (UnixFileMode)0x1FF);
        return markers;
    }

    [Fact]
    public async Task VerifyRestore_BackupShipsDangerousSettings_NoneOfThemRuns_SandboxStillVerifies()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100);");
        using var markers = Markers();
        await ForgedBackupAsync(h, Path.Combine(markers.Path, "ran"));

        var verify = await h.RunAsync("verify-restore", "--server", PgArkHarness.Server);

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("passed", verify.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(markers.Path));
    }

    [Fact]
    public async Task RestoreDatabase_BackupShipsDangerousSettings_NoneOfThemRuns_CopyStillRestored()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE DATABASE shop");
        await h.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100);", "shop");
        using var markers = Markers();
        await ForgedBackupAsync(h, Path.Combine(markers.Path, "ran"));
        var sandboxes = h.Folder.Combine("sandboxes");
        Directory.CreateDirectory(sandboxes);

        var run = await h.RunAsync("restore-database", "--server", PgArkHarness.Server, "--database", "shop", "--target", "latest",
            "--into", "shop_copy", "--yes", "--sandbox-dir", sandboxes);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(markers.Path));
        Assert.Equal(100L, await h.Cluster.ScalarAsync<long>("SELECT count(*) FROM t", "shop_copy"));
        Assert.Empty(Directory.GetFileSystemEntries(sandboxes));
    }
}
