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

    /// <summary>
    /// Listings read only the header fields (the file list is stepped over): a manifest cut short, or one without a header
    /// field, is still refused, and a listed header equals the whole manifest's, page checksum errors counted.
    /// </summary>
    [Fact]
    public async Task ListBackupHeaders_HeaderOnlyRead_SameAsWholeManifest_DamagedManifestRefused()
    {
        using var folder = new TempFolder();
        var writer = Open(folder.Path);
        var manifest = Manifest(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), "checked") with
        {
            Files = [.. Enumerable.Range(0, 50).Select(i => new ManifestFile { Path = $"base/1/{i}", Size = 8192, ModifiedAt = 0, Mode = 384, Sha256 = new string('0', 64), StoredSize = 100 })],
            PageChecksumErrors = [new PageChecksumError("base/1/3", 7, 1, 2), new PageChecksumError("base/1/4", 0, 3, 4)],
        };
        var path = RepositoryLayout.ManifestPath("pg1", BackupId.Parse(manifest.Id));
        await writer.WriteJsonAsync(path, manifest, default);
        var header = Assert.Single(await Open(folder.Path).ListBackupHeadersAsync("pg1", default));
        Assert.Equal(BackupHeader.From(manifest), header);
        Assert.Equal(2, header.PageChecksumErrors);

        var file = Path.Combine(folder.Path, path);
        var text = await File.ReadAllTextAsync(file);
        await File.WriteAllTextAsync(file, text[..(text.Length / 2)]);
        var cut = await Assert.ThrowsAsync<PgArk.Core.Errors.IntegrityException>(() => Open(folder.Path).ListBackupHeadersAsync("pg1", default));
        Assert.Contains("is not valid", cut.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, text.Replace("\"stopWal\"", "\"stopWalX\"", StringComparison.Ordinal));
        await Assert.ThrowsAsync<PgArk.Core.Errors.IntegrityException>(() => Open(folder.Path).ListBackupHeadersAsync("pg1", default));
    }
}
