using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;

namespace PgArk.Tests.Restore;

public class RestorePlannerTests
{
    private static readonly DateTimeOffset s_day = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    private static BackupManifest Backup(int hour, string stopLsn, ulong nextXid) => new()
    {
        Id = BackupId.Create(s_day.AddHours(hour), BackupType.Full).Value,
        Type = BackupType.Full,
        Server = "pg1",
        StartTime = s_day.AddHours(hour),
        StopTime = s_day.AddHours(hour).AddMinutes(10),
        StartLsn = "0/1000000",
        StopLsn = stopLsn,
        Timeline = 1,
        StartWal = "000000010000000000000001",
        StopWal = "000000010000000000000001",
        StopNextXid = nextXid,
        SystemIdentifier = 1,
        PgVersionNum = 150000,
        WalSegmentSize = 16 << 20,
        DataChecksums = true,
        Compression = "zstd",
        CompressionLevel = 3,
        Size = 1,
        StoredSize = 1,
        DurationSeconds = 1,
        Tablespaces = [],
        Directories = [],
        Files = [],
    };

    private static readonly IReadOnlyList<BackupManifest> s_backups =
        [Backup(1, "0/3000000", 100), Backup(5, "0/9000000", 500), Backup(9, "0/F000000", 900)];

    [Fact]
    public void Time_PicksNewestBackupEndingBefore()
    {
        var chosen = RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.AtTime(s_day.AddHours(8)), null);
        Assert.Equal(s_backups[1].Id, chosen.Id);
    }

    [Fact]
    public void Time_DuringABackup_PicksThePreviousOne()
    {
        var chosen = RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.AtTime(s_day.AddHours(9).AddMinutes(5)), null);
        Assert.Equal(s_backups[1].Id, chosen.Id);
    }

    [Fact]
    public void Lsn_PicksNewestBackupWhoseStopIsNotAfter()
    {
        Assert.Equal(s_backups[0].Id, RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.AtLsn(Lsn.Parse("0/8FFFFFF")), null).Id);
        Assert.Equal(s_backups[1].Id, RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.AtLsn(Lsn.Parse("0/9000000")), null).Id);
    }

    [Fact]
    public void Xid_PicksNewestBackupThatStoppedBeforeTheXidWasAssigned()
    {
        Assert.Equal(s_backups[1].Id, RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.AtXid(899), null).Id);
    }

    [Fact]
    public void Latest_PicksNewest()
    {
        Assert.Equal(s_backups[2].Id, RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.Latest, null).Id);
    }

    [Fact]
    public void TargetOlderThanEveryBackup_NotFoundWithOldestNamed()
    {
        var ex = Assert.Throws<NotFoundException>(() => RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.AtTime(s_day), null));
        Assert.Equal(
            "no backup of server 'pg1' ended before the target time 2026-11-21 00:00:00.000000 UTC; the oldest backup, 20261121-010000F, ended at 2026-11-21 01:10:00 UTC (LSN 0/3000000)",
            ex.Message);
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public void RequestedBackup_AfterTarget_IsRefusedAsUsage()
    {
        var ex = Assert.Throws<UsageException>(() =>
            RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.AtTime(s_day.AddHours(2)), s_backups[2].Id));
        Assert.StartsWith($"backup {s_backups[2].Id} ended after the target", ex.Message);
    }

    [Fact]
    public void RequestedBackup_Unknown_NotFound()
    {
        Assert.Throws<NotFoundException>(() => RestorePlanner.ChooseBackup("pg1", s_backups, RestoreTarget.Latest, "20200101-000000F"));
    }

    [Fact]
    public void NoBackups_NotFoundWithHint()
    {
        var ex = Assert.Throws<NotFoundException>(() => RestorePlanner.ChooseBackup("pg1", [], RestoreTarget.Latest, null));
        Assert.Equal("server 'pg1' has no complete backup", ex.Message);
    }
}
