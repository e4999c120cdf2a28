using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Storage.Posix;
using PgArk.Tests.Configuration;

namespace PgArk.Tests.Catalog;

/// <summary>The cached listing follows the repository: new, rewritten, removed and interrupted backups, seen from another Repository object.</summary>
public class BackupHeaderCacheTests
{
    private static BackupManifest Manifest(DateTimeOffset time, string? label) => new()
    {
        Id = BackupId.Create(time, BackupType.Full).Value, Type = BackupType.Full, Server = "pg1", Label = label, StartTime = time,
        StopTime = time.AddMinutes(5), StartLsn = "0/2000028", StopLsn = "0/2000100", Timeline = 1, StartWal = "000000010000000000000002",
        StopWal = "000000010000000000000002", SystemIdentifier = 1, PgVersionNum = 150000, WalSegmentSize = 16 * 1024 * 1024,
        DataChecksums = true, Compression = "none", CompressionLevel = 0, Size = 1000, StoredSize = 100, DurationSeconds = 1,
        Tablespaces = [], Directories = [], Files = [],
    };

    private static Repository Open(string path) => new("local", new PosixStorage(path), CompressionType.None, 0);

    [Fact]
    public async Task ListBackupHeaders_FollowsWritesRemovalsAndInterruptedBackups()
    {
        using var folder = new TempFolder();
        var writer = Open(folder.Path);
        var first = Manifest(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "one");
        var second = Manifest(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), "two");
        await writer.WriteJsonAsync(RepositoryLayout.ManifestPath("pg1", BackupId.Parse(first.Id)), first, default);

        Assert.Equal(["one"], (await Open(folder.Path).ListBackupHeadersAsync("pg1", default)).Select(h => h.Label));

        await writer.WriteJsonAsync(RepositoryLayout.ManifestPath("pg1", BackupId.Parse(second.Id)), second, default);
        Directory.CreateDirectory(Path.Combine(folder.Path, "servers/pg1/backups/20260103-000000F"));
        await writer.WriteJsonAsync(RepositoryLayout.ManifestPath("pg1", BackupId.Parse(first.Id)), first with { Label = "one, relabelled" }, default);
        var listed = await Open(folder.Path).ListBackupHeadersAsync("pg1", default);
        Assert.Equal(["one, relabelled", "two"], listed.Select(h => h.Label));
        Assert.Equal(BackupHeader.From(second), listed[1]);

        Directory.Delete(Path.Combine(folder.Path, "servers/pg1/backups", first.Id), recursive: true);
        Assert.Equal(["two"], (await Open(folder.Path).ListBackupHeadersAsync("pg1", default)).Select(h => h.Label));
        Assert.Equal((await writer.ListBackupsAsync("pg1", default)).Select(BackupHeader.From), await writer.ListBackupHeadersAsync("pg1", default));
    }
}
