using PgArk.Core.Catalog;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;
using PgArk.Core.Wal;

namespace PgArk.Tests.Restore;

/// <summary>
/// The recoverable window every front end shows (info, the dashboard's timeline) and the restore planner uses: it
/// starts at the oldest restorable backup's consistent point, ends at the newest archived WAL continuing from it, is
/// never inverted, and a WAL gap splits it.
/// </summary>
public class RecoverableWindowsTests
{
    private const long SegmentSize = 16 << 20;
    private static readonly DateTimeOffset s_day = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    private static string Segment(int n, uint timeline = 1) => WalFileName.SegmentFileName(timeline, (ulong)n, SegmentSize);

    /// <summary>
    /// A backup of segment <paramref name="segment"/> whose stop time is taken, as BaseBackupRunner does, after its last
    /// segment was archived and the repository synced: 10 minutes after the start, the segment archived at 5 minutes.
    /// </summary>
    private static BackupHeader Backup(int hour, int segment, BackupType type = BackupType.Full, string? parent = null) =>
        new(BackupId.Create(s_day.AddHours(hour), type).Value, type, parent, null, s_day.AddHours(hour), s_day.AddHours(hour).AddMinutes(10),
            $"0/{segment:X}000028", $"0/{segment:X}000100", 1, Segment(segment), Segment(segment), 1000, 100, 600, 0);

    /// <summary>Segment n archived at hour n + 0:05 (so a backup at hour n has its own segment stored before it stops).</summary>
    private static (WalFileName, DateTimeOffset) Archived(int n, uint timeline = 1, int minutes = 5) =>
        (WalFileName.Parse(Segment(n, timeline)), s_day.AddHours(n).AddMinutes(minutes));

    private static IReadOnlyList<RecoverableWindow> Windows(IReadOnlyList<BackupHeader> backups, params (WalFileName, DateTimeOffset)[] wal) =>
        RecoverableWindows.Compute(backups, WalRanges.Compute(wal, SegmentSize), SegmentSize);

    [Fact]
    public void SingleFullBackup_WithOnlyItsOwnWal_IsItsConsistentPointNotAnInvertedSpan()
    {
        var full = Backup(1, 1);

        var window = Assert.Single(Windows([full], Archived(1)));

        // The segment was archived (1:05) before the backup's stop time (1:10): before the fix the window ended at 1:05.
        Assert.Equal(full.StopTime, window.FromTime);
        Assert.Equal(full.StopLsn, window.FromLsn);
        Assert.Equal(full.Id, window.FromBackup);
        Assert.Equal(full.StopTime, window.ToTime);
        Assert.Equal(Segment(1), window.ToWal);
        Assert.True(window.ToTime >= window.FromTime);
    }

    [Fact]
    public void SingleFullBackup_WithFurtherArchivedWal_EndsAtTheNewestSegment()
    {
        var full = Backup(1, 1);

        var window = Assert.Single(Windows([full], Archived(1), Archived(2), Archived(3)));

        Assert.Equal(full.StopTime, window.FromTime);
        Assert.Equal(s_day.AddHours(3).AddMinutes(5), window.ToTime);
        Assert.Equal(Segment(3), window.ToWal);
    }

    [Fact]
    public void WalGap_WithABackupAfterIt_SplitsTheWindowInTwo()
    {
        var first = Backup(1, 1);
        var second = Backup(6, 6);

        var windows = Windows([second, first], Archived(1), Archived(2), Archived(3), Archived(6), Archived(7));

        Assert.Equal(2, windows.Count);
        Assert.Equal((first.StopTime, s_day.AddHours(3).AddMinutes(5), Segment(3)), (windows[0].FromTime, windows[0].ToTime, windows[0].ToWal));
        Assert.Equal((second.StopTime, s_day.AddHours(7).AddMinutes(5), Segment(7)), (windows[1].FromTime, windows[1].ToTime, windows[1].ToWal));
        Assert.Equal(second.Id, windows[1].FromBackup);
    }

    [Fact]
    public void WalGap_WithNoBackupAfterIt_EndsTheWindowBeforeTheGap()
    {
        var full = Backup(1, 1);

        var window = Assert.Single(Windows([full], Archived(1), Archived(2), Archived(5), Archived(6)));

        Assert.Equal(Segment(2), window.ToWal);
        Assert.Equal(s_day.AddHours(2).AddMinutes(5), window.ToTime);
    }

    [Fact]
    public void SeveralBackupsInOneRun_StartAtTheOldest()
    {
        var full = Backup(1, 1);
        var incr = Backup(3, 3, BackupType.Incr, full.Id);

        var window = Assert.Single(Windows([incr, full], Archived(1), Archived(2), Archived(3), Archived(4)));

        Assert.Equal(full.Id, window.FromBackup);
        Assert.Equal(Segment(4), window.ToWal);
    }

    [Fact]
    public void BackupWithoutItsWal_OrWithoutItsParent_OpensNoWindow()
    {
        var orphan = Backup(3, 3, BackupType.Incr, BackupId.Create(s_day.AddHours(-48), BackupType.Full).Value);
        var unarchived = Backup(1, 1);

        Assert.Empty(Windows([orphan, unarchived], Archived(2), Archived(3), Archived(4)));
    }

    [Fact]
    public void LaterTimeline_StartingInsideTheRange_ContinuesIt_OneStartingBeforeItDoesNot()
    {
        var full = Backup(3, 3);

        // Timeline 2 branched at segment 4 (a point-in-time restore) and went on to segment 6.
        var window = Assert.Single(Windows([full], Archived(3), Archived(4), Archived(5), Archived(4, 2, 40), Archived(5, 2, 40), Archived(6, 2, 40)));
        Assert.Equal(Segment(6, 2), window.ToWal);
        Assert.Equal(s_day.AddHours(6).AddMinutes(40), window.ToTime);

        // Timeline 2 branched at segment 1, before this backup's range: not the history recovery from this backup follows.
        var apart = Assert.Single(Windows([full], Archived(3), Archived(4), Archived(1, 2, 40), Archived(2, 2, 40), Archived(3, 2, 40)));
        Assert.Equal(Segment(4), apart.ToWal);
    }
}
