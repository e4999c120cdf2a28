using Npgsql;
using PgArk.Core.Postgres;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Postgres;

/// <summary>Issue 13, item 10: pg_ctl hands its -o string to /bin/sh, so PgArk quotes every word of it.</summary>
public class LocalClusterTests
{
    [Fact]
    public async Task Start_SocketFolderAndSettingWithShellSyntax_ReachPostgresAsGiven_NothingRuns()
    {
        using var folder = await TempFolder.CreateAsync(ownedByPostgres: true, CancellationToken.None);
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0x1FF);
        var marker = folder.Combine("r");
        // A space and a quote in the socket folder; a semicolon and a command in a setting's value.
        var socket = folder.Combine("s k'q");
        var clusterName = $"a b;touch {marker}";
        var cluster = await LocalCluster.InitAsync(PgInstallation.Find(null, 15), folder.Combine("data"), socket, dataChecksums: false,
            CancellationToken.None);
        await using var clusterScope = cluster;

        await cluster.StartAsync(CancellationToken.None, TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["cluster_name"] = clusterName });

        var connection = new NpgsqlConnection(cluster.ConnectionString());
        await using var connectionScope = connection;
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_setting('cluster_name'), current_setting('unix_socket_directories')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(clusterName, reader.GetString(0));
        Assert.Equal(socket, reader.GetString(1));
        Assert.False(File.Exists(marker), "a shell ran a word of pg_ctl -o");
    }

    [Fact]
    public async Task Start_FolderWithCommandSubstitution_RefusedBeforePgCtl_NothingRuns()
    {
        using var folder = await TempFolder.CreateAsync(ownedByPostgres: true, CancellationToken.None);
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0x1FF);
        var marker = folder.Combine("r");
        // pg_ctl puts the log file (inside the socket folder) between double quotes, where $(…) still runs.
        var socket = folder.Combine($"s$(touch {marker})");
        var cluster = await LocalCluster.InitAsync(PgInstallation.Find(null, 15), folder.Combine("data"), socket, dataChecksums: false,
            CancellationToken.None);
        await using var clusterScope = cluster;

        var refused = await Assert.ThrowsAsync<PgArk.Core.Errors.UsageException>(() => cluster.StartAsync(CancellationToken.None, TimeSpan.FromMinutes(2)));

        Assert.StartsWith($"unable to start PostgreSQL with '{socket}/postgres-", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "a shell ran the folder name");
        Assert.False(File.Exists(Path.Combine(folder.Combine("data"), "postmaster.pid")));
    }
}
