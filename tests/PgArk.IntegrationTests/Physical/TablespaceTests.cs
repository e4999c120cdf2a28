using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Physical;

public class TablespaceTests
{
    [Fact]
    public async Task Restore_TablespaceOutsideDataDirectory_RoundTripsToANewLocation()
    {
        await using var h = await PgArkHarness.CreateAsync();
        var original = h.Folder.Combine("ts-original");
        Directory.CreateDirectory(original);
        await Posix.ChownToPostgresAsync(original, recursive: false, CancellationToken.None);
        await h.Cluster.ExecuteAsync($"CREATE TABLESPACE outside LOCATION '{original}'");
        await h.Cluster.ExecuteAsync("""
            CREATE TABLE far (id int PRIMARY KEY, note text) TABLESPACE outside;
            INSERT INTO far SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
            CREATE INDEX far_note ON far (note) TABLESPACE outside;
            """);
        var backup = await h.RunAsync("backup", "--server", PgArkHarness.Server);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var expected = await TableSnapshot.CaptureTableAsync(h.Cluster, "far", "postgres", CancellationToken.None);
        await h.SwitchAndWaitForArchiveAsync();

        var relocated = h.Folder.Combine("ts-relocated");
        var (run, restored) = await h.RestoreAndStartAsync("restored", "--target", "immediate", "--target-action", "promote",
            "--tablespace-map", $"{original}={relocated}");
        Assert.True(run.ExitCode == 0, run.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(relocated, await restored.ScalarAsync<string>("SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'outside'"));
            expected.AssertSameContent(await TableSnapshot.CaptureTableAsync(restored, "far", "postgres", CancellationToken.None));
            Assert.Equal(20000L, await restored.ScalarAsync<long>("SELECT count(*) FROM far WHERE note = md5(id::text)"));
        }
    }
}
