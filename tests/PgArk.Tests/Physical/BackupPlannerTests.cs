using PgArk.Core.Catalog;
using PgArk.Core.Physical;
using PgArk.Core.Postgres;

namespace PgArk.Tests.Physical;

public class BackupPlannerTests
{
    private static readonly DateTimeOffset s_day = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    private static BackupManifest Backup(int hour, BackupType type, string? parent = null, uint timeline = 1, string stopLsn = "0/5000000") => new()
    {
        Id = BackupId.Create(s_day.AddHours(hour), type).Value, Type = type, Parent = parent, Server = "pg1",
        StartTime = s_day.AddHours(hour), StopTime = s_day.AddHours(hour).AddMinutes(1), StartLsn = "0/4000000", StopLsn = stopLsn,
        Timeline = timeline, StartWal = "000000010000000000000004", StopWal = "000000010000000000000004", SystemIdentifier = 42,
        PgVersionNum = 150000, WalSegmentSize = 16 << 20, DataChecksums = true, Compression = "zstd", CompressionLevel = 3, Size = 1,
        StoredSize = 1, DurationSeconds = 1, Tablespaces = [], Directories = [], Files = [],
    };

    [Fact]
    public void Incr_WithoutFull_FallsBackToFullAndSaysSo()
    {
        var plan = BackupPlanner.Plan(BackupType.Incr, [], 42, 1, Lsn.Parse("0/9000000"));
        Assert.Equal(BackupType.Full, plan.Type);
        Assert.Equal("no full backup exists: taking a full backup instead of incr", plan.FallbackReason);
    }

    [Fact]
    public void Diff_BuildsOnNewestFull_IncrOnNewestOfAnyType()
    {
        var full1 = Backup(1, BackupType.Full);
        var full2 = Backup(5, BackupType.Full);
        var incr = Backup(6, BackupType.Incr, full2.Id);
        var diff = Backup(7, BackupType.Diff, full2.Id);
        var incr2 = Backup(8, BackupType.Incr, diff.Id);
        IReadOnlyList<BackupManifest> backups = [full1, full2, incr, diff, incr2];
        Assert.Equal(full2.Id, BackupPlanner.Plan(BackupType.Diff, backups, 42, 1, Lsn.Parse("0/9000000")).Parent!.Id);
        Assert.Equal(incr2.Id, BackupPlanner.Plan(BackupType.Incr, backups, 42, 1, Lsn.Parse("0/9000000")).Parent!.Id);
    }

    [Fact]
    public void Incr_AfterTimelineSwitch_FallsBackToFull()
    {
        var plan = BackupPlanner.Plan(BackupType.Incr, [Backup(1, BackupType.Full)], 42, 2, Lsn.Parse("0/9000000"));
        Assert.Equal(BackupType.Full, plan.Type);
        Assert.StartsWith("the cluster moved from timeline 1 to 2", plan.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Incr_WhenWalPositionIsBehindParent_FallsBackToFull()
    {
        var plan = BackupPlanner.Plan(BackupType.Incr, [Backup(1, BackupType.Full)], 42, 1, Lsn.Parse("0/1000000"));
        Assert.Equal(BackupType.Full, plan.Type);
        Assert.Contains("is behind the end of backup", plan.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void UnchangedSince_RequiresSameSizeMtime_AndMtimeSafelyBeforeParentStart()
    {
        var parent = Backup(1, BackupType.Full);
        var start = parent.StartTime.ToUnixTimeSeconds();
        ManifestFile Entry(long mtime) => new() { Path = "base/5/1", Size = 8192, ModifiedAt = mtime, Mode = 0x180, Sha256 = "x", StoredSize = 1 };
        SourceFile File(long size, long mtime) => new("base/5/1", "/x", size, mtime, 0x180, null);
        Assert.True(BaseBackupRunner.UnchangedSince(parent, Entry(start - 10), File(8192, start - 10)));
        Assert.False(BaseBackupRunner.UnchangedSince(parent, Entry(start - 10), File(16384, start - 10)));
        Assert.False(BaseBackupRunner.UnchangedSince(parent, Entry(start - 10), File(8192, start - 9)));
        // Modified in the second the parent started: the same mtime could hide a later write.
        Assert.False(BaseBackupRunner.UnchangedSince(parent, Entry(start), File(8192, start)));
    }
}
