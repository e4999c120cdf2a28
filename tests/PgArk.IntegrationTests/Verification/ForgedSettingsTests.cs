using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Verification;

/// <summary>
/// A backup whose settings files would run code on the verifying host (preloaded library, archive and passphrase
/// commands, an include of a file PgArk never wrote): verify-restore starts the sandbox from PgArk's own configuration.
/// </summary>
public class ForgedSettingsTests
{
    [Fact]
    public async Task VerifyRestore_BackupShipsDangerousSettings_NoneOfThemRuns_SandboxStillVerifies()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100);");
        using var markers = TempFolder.Create("pgark-it-forged-");
        File.SetUnixFileMode(markers.Path, (UnixFileMode)0x1FF);
        var ran = Path.Combine(markers.Path, "ran");
        var autoConf = Path.Combine(h.Cluster.DataDirectory, "postgresql.auto.conf");
        var hba = Path.Combine(h.Cluster.DataDirectory, "pg_hba.conf");
        var original = await File.ReadAllTextAsync(autoConf);
        var originalHba = await File.ReadAllTextAsync(hba);
        // The live cluster never reloads these lines: only the backup carries them (what a forged repository would ship).
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

        var verify = await h.RunAsync("verify-restore", "--server", PgArkHarness.Server);

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("passed", verify.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(markers.Path));
    }
}
