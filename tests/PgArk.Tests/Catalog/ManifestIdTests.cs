using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Storage.Posix;
using PgArk.Tests.Configuration;

namespace PgArk.Tests.Catalog;

/// <summary>A manifest copied into another backup's folder (or forged there) is refused by every way of reading it.</summary>
public class ManifestIdTests
{
    private static BackupManifest Manifest(DateTimeOffset time, string server = "pg1") => new()
    {
        Id = BackupId.Create(time, BackupType.Full).Value, Type = BackupType.Full, Server = server, StartTime = time,
        StopTime = time.AddMinutes(5), StartLsn = "0/2000028", StopLsn = "0/2000100", Timeline = 1, StartWal = "000000010000000000000002",
        StopWal = "000000010000000000000002", SystemIdentifier = 1, PgVersionNum = 150000, WalSegmentSize = 16 * 1024 * 1024,
        DataChecksums = true, Compression = "none", CompressionLevel = 0, Size = 1000, StoredSize = 100, DurationSeconds = 1,
        Tablespaces = [], Directories = [], Files = [],
    };

    private static Repository Open(string path) => new("local", new PosixStorage(path), CompressionType.None, 0);

    [Fact]
    public async Task ManifestInWrongFolder_ListReadAndHeaders_IntegrityError()
    {
        using var folder = new TempFolder();
        var repository = Open(folder.Path);
        var real = Manifest(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var forgedFolder = BackupId.Parse("29991231-000000F");
        await repository.WriteJsonAsync(RepositoryLayout.ManifestPath("pg1", BackupId.Parse(real.Id)), real, default);
        await repository.WriteJsonAsync(RepositoryLayout.ManifestPath("pg1", forgedFolder), real, default);
        const string expected = "manifest in backup folder '29991231-000000F' of server 'pg1' in repository 'local' names backup "
            + "'20260101-000000F' of server 'pg1'";

        Assert.Equal(expected, (await Assert.ThrowsAsync<IntegrityException>(() => repository.ListBackupsAsync("pg1", default))).Message);
        Assert.Equal(expected, (await Assert.ThrowsAsync<IntegrityException>(() => repository.ReadManifestAsync("pg1", forgedFolder, default))).Message);
        Assert.Equal(expected, (await Assert.ThrowsAsync<IntegrityException>(() => Open(folder.Path).ListBackupHeadersAsync("pg1", default))).Message);
        Assert.Equal(real.Id, (await repository.ReadManifestAsync("pg1", BackupId.Parse(real.Id), default)).Id);
    }

    [Fact]
    public async Task ManifestOfAnotherServer_Refused()
    {
        using var folder = new TempFolder();
        var repository = Open(folder.Path);
        var other = Manifest(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), server: "pg2");
        await repository.WriteJsonAsync(RepositoryLayout.ManifestPath("pg1", BackupId.Parse(other.Id)), other, default);

        var e = await Assert.ThrowsAsync<IntegrityException>(() => repository.ReadManifestAsync("pg1", BackupId.Parse(other.Id), default));
        Assert.Equal("manifest in backup folder '20260101-000000F' of server 'pg1' in repository 'local' names backup '20260101-000000F' of server 'pg2'",
            e.Message);
    }
}
