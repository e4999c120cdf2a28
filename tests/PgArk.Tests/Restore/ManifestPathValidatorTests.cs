using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Restore;

namespace PgArk.Tests.Restore;

public class ManifestPathValidatorTests
{
    private static BackupManifest Manifest(IEnumerable<string> directories, IEnumerable<string> files, params ManifestTablespace[] tablespaces) => new()
    {
        Id = "20261203-120000F", Type = BackupType.Full, Server = "pg1", StartTime = DateTimeOffset.UnixEpoch, StopTime = DateTimeOffset.UnixEpoch,
        StartLsn = "0/0", StopLsn = "0/0", Timeline = 1, StartWal = "000000010000000000000001", StopWal = "000000010000000000000001",
        SystemIdentifier = 1, PgVersionNum = 150004, WalSegmentSize = 16 << 20, DataChecksums = false, Compression = "zstd", CompressionLevel = 3,
        Size = 0, StoredSize = 0, DurationSeconds = 0, Tablespaces = tablespaces,
        Directories = directories.Select(d => new ManifestDirectory(d, 448)).ToList(),
        Files = files.Select(f => new ManifestFile { Path = f, Size = 0, ModifiedAt = 0, Mode = 384, Sha256 = new string('0', 64), StoredSize = 0 }).ToList(),
    };

    private static readonly string[] s_dirs = ["base", "base/5", "global", "pg_tblspc", "pg_tblspc/16384", "pg_tblspc/16384/PG_15_202209061",
        "pg_tblspc/16384/PG_15_202209061/5"];

    private static readonly ManifestTablespace s_tablespace = new(16384, "ts1", "/srv/ts1");

    [Fact]
    public void Validate_GenuineLayoutWithTablespace_Passes()
    {
        var manifest = Manifest(s_dirs, ["PG_VERSION", "base/5/1259", "global/pg_control", "pg_tblspc/16384/PG_15_202209061/5/16385"], s_tablespace);
        ManifestPathValidator.Validate(manifest);
        Assert.Equal("PG_15_202209061", ManifestPathValidator.OwnTablespaceFolder(manifest, 16384));
    }

    [Theory]
    [InlineData("../../victim")]
    [InlineData("base/../../victim")]
    [InlineData("/etc/victim")]
    [InlineData("base//1259")]
    [InlineData("base/./1259")]
    [InlineData("base/5/12\u00005")]
    [InlineData("base/6/1259")]
    [InlineData("pg_tblspc/99999/PG_15_202209061/5/1")]
    [InlineData("pg_tblspc/16384/PG_16_202307071/5/1")]
    [InlineData("pg_tblspc/16384/victim")]
    [InlineData("pg_tblspc/16384")]
    [InlineData("")]
    public void Validate_ForgedFilePath_RefusedAsIntegrityError(string path)
    {
        var manifest = Manifest(s_dirs, ["PG_VERSION", path], s_tablespace);
        var error = Assert.Throws<IntegrityException>(() => ManifestPathValidator.Validate(manifest));
        Assert.Contains("not safe to use", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("/tmp")]
    [InlineData("pg_tblspc/77")]
    [InlineData("pg_tblspc/16384/other")]
    public void Validate_ForgedDirectory_Refused(string directory)
    {
        var manifest = Manifest([.. s_dirs, directory], ["PG_VERSION"], s_tablespace);
        Assert.Throws<IntegrityException>(() => ManifestPathValidator.Validate(manifest));
    }

    [Theory]
    [InlineData("relative/ts")]
    [InlineData("/")]
    [InlineData("/srv/../etc")]
    [InlineData("/srv/ts1/")]
    [InlineData("/srv/t\ns")]
    public void Validate_UnsafeTablespaceLocation_Refused(string location)
    {
        var manifest = Manifest(["base"], ["PG_VERSION"], new ManifestTablespace(16384, "ts1", location));
        Assert.Throws<IntegrityException>(() => ManifestPathValidator.Validate(manifest));
    }

    [Fact]
    public void Validate_OverlappingTablespaceLocations_Refused()
    {
        var manifest = Manifest(["base"], ["PG_VERSION"], s_tablespace, new ManifestTablespace(16390, "ts2", "/srv/ts1/inner"));
        Assert.Throws<IntegrityException>(() => ManifestPathValidator.Validate(manifest));
    }
}
