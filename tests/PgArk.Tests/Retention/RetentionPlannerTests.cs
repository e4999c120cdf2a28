using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Postgres;
using PgArk.Core.Retention;
using PgArk.Core.Wal;

namespace PgArk.Tests.Retention;

public class RetentionPlannerTests
{
    private const long SegmentSize = 16L * 1024 * 1024;
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A synthetic backup starting at <paramref name="start"/> whose WAL runs from segment <paramref name="startSegment"/> for 2 segments.</summary>
    private static BackupManifest Backup(string start, BackupType type, ulong startSegment, string? parent = null, uint timeline = 1,
        params string[] references)
    {
        var time = DateTimeOffset.ParseExact(start, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return new BackupManifest
        {
            Id = BackupId.Create(time, type).Value, Type = type, Parent = parent, Server = "pg1", StartTime = time, StopTime = time.AddMinutes(5),
            StartLsn = "0/0", StopLsn = "0/0", Timeline = timeline,
            StartWal = WalFileName.SegmentFileName(timeline, startSegment, SegmentSize),
            StopWal = WalFileName.SegmentFileName(timeline, startSegment + 1, SegmentSize),
            SystemIdentifier = 1, PgVersionNum = 150000, WalSegmentSize = SegmentSize, DataChecksums = true, Compression = "zstd",
            CompressionLevel = 3, Size = 1000, StoredSize = 100, DurationSeconds = 1, Tablespaces = [], Directories = [],
            Files = references.Select(r => new ManifestFile
            {
                Path = $"base/1/{r}", Size = 1, ModifiedAt = 0, Mode = 384, Sha256 = new string('0', 64), StoredSize = 0, Reference = r,
            }).ToList(),
        };
    }

    private static RetentionWalFile Wal(uint timeline, ulong segment, int ageDays = 100) => File(
        WalFileName.SegmentFileName(timeline, segment, SegmentSize), ageDays);

    private static RetentionWalFile File(string name, int ageDays = 100) =>
        new(WalFileName.Parse(name), $"servers/pg1/wal/{name}", 1000, s_now.AddDays(-ageDays));

    private static IEnumerable<RetentionWalFile> Segments(uint timeline, ulong first, ulong last, int ageDays = 100)
    {
        for (var s = first; s <= last; s++)
        {
            yield return Wal(timeline, s, ageDays);
        }
    }

    private static ExpirePlan Plan(IEnumerable<BackupManifest> backups, IEnumerable<RetentionWalFile> wal, RetentionOptions options) =>
        RetentionPlanner.Plan(new RetentionCatalog(backups.ToList(), wal.ToList(), SegmentSize), options, s_now);

    private static RetentionOptions Options(int? full = null, int? diff = null, int? archiveDays = null, int? daily = null, int? weekly = null,
        int? monthly = null) => new(full, diff, archiveDays, null, daily, weekly, monthly);

    private static List<string> RemovedIds(ExpirePlan plan) => plan.Backups.Select(b => b.Id).ToList();

    private static List<string> RemovedWal(ExpirePlan plan) => plan.WalFiles.Select(w => w.Name.Name).ToList();

    private static void AssertClosed(ExpirePlan plan, IEnumerable<BackupManifest> backups)
    {
        // The invariant every plan keeps: nothing a kept backup depends on is removed.
        var byId = backups.ToDictionary(b => b.Id);
        var removed = RemovedIds(plan).ToHashSet();
        foreach (var kept in plan.KeptBackups)
        {
            Assert.DoesNotContain(RetentionPlanner.Dependencies(byId[kept]), removed.Contains);
        }
    }

    [Fact]
    public void Plan_NoRetentionConfigured_RemovesNothing()
    {
        var backups = new[] { Backup("2026-11-01 00:00", BackupType.Full, 2), Backup("2026-11-02 00:00", BackupType.Full, 10) };
        var plan = Plan(backups, Segments(1, 1, 12), RetentionOptions.KeepAll);
        Assert.True(plan.IsEmpty);
        Assert.Equal(2, plan.KeptBackups.Count);
    }

    [Fact]
    public void Plan_EmptyCatalog_RemovesNothing()
    {
        var plan = Plan([], Segments(1, 1, 5), Options(full: 1));
        Assert.True(plan.IsEmpty);
        Assert.Empty(plan.WalBounds);
    }

    [Fact]
    public void Plan_FullCountWithinLimit_RemovesOnlyWalBeforeOldestBackup()
    {
        var backups = new[] { Backup("2026-11-01 00:00", BackupType.Full, 3), Backup("2026-11-02 00:00", BackupType.Full, 10) };
        var plan = Plan(backups, Segments(1, 1, 12), Options(full: 2));
        Assert.Empty(plan.Backups);
        Assert.Equal(["000000010000000000000001", "000000010000000000000002"], RemovedWal(plan));
        Assert.Equal(2000, plan.WalBytes);
    }

    [Fact]
    public void Plan_FullOne_RemovesOlderFullsAndTheirWal()
    {
        var backups = new[]
        {
            Backup("2026-11-01 00:00", BackupType.Full, 2), Backup("2026-11-02 00:00", BackupType.Full, 6), Backup("2026-11-03 00:00", BackupType.Full, 10),
        };
        var plan = Plan(backups, Segments(1, 1, 14), Options(full: 1));

        Assert.Equal(["20261101-000000F", "20261102-000000F"], RemovedIds(plan));
        Assert.All(plan.Backups, b => Assert.Equal("full backup not among the 1 newest full backups (retention.full: 1)", b.Reason));
        Assert.Equal(["20261103-000000F"], plan.KeptBackups);
        Assert.Equal(Enumerable.Range(1, 9).Select(s => WalFileName.SegmentFileName(1, (ulong)s, SegmentSize)), RemovedWal(plan));
        var range = Assert.Single(plan.WalRanges);
        Assert.Equal(("000000010000000000000001", "000000010000000000000009", 9), (range.First, range.Last, range.Segments));
        Assert.Equal(200, plan.BackupBytes);
        Assert.Equal(new WalKeepBound(1, "00000001000000000000000A", "20261103-000000F"), Assert.Single(plan.WalBounds));
    }

    [Fact]
    public void Plan_ExpiredFull_TakesItsDiffsAndIncrementalsAlong()
    {
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 2);
        var d1 = Backup("2026-11-01 06:00", BackupType.Diff, 4, f1.Id);
        var i1 = Backup("2026-11-01 07:00", BackupType.Incr, 6, d1.Id);
        var f2 = Backup("2026-11-02 00:00", BackupType.Full, 8);
        var i2 = Backup("2026-11-02 01:00", BackupType.Incr, 10, f2.Id);
        var backups = new[] { f1, d1, i1, f2, i2 };
        var plan = Plan(backups, Segments(1, 1, 12), Options(full: 1));

        Assert.Equal([f1.Id, d1.Id, i1.Id], RemovedIds(plan));
        Assert.Equal($"depends on expired backup {f1.Id}", plan.Backups[1].Reason);
        Assert.Equal($"depends on expired backup {d1.Id}", plan.Backups[2].Reason);
        Assert.Equal([f2.Id, i2.Id], plan.KeptBackups);
        Assert.Equal(7, plan.WalFiles.Count);
        AssertClosed(plan, backups);
    }

    [Fact]
    public void Plan_DiffCount_ExpiresOlderDiffsWithTheirIncrementalsButKeepsTheFull()
    {
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 2);
        var d1 = Backup("2026-11-01 06:00", BackupType.Diff, 4, f1.Id);
        var i1 = Backup("2026-11-01 07:00", BackupType.Incr, 6, d1.Id);
        var d2 = Backup("2026-11-01 12:00", BackupType.Diff, 8, f1.Id);
        var i2 = Backup("2026-11-01 13:00", BackupType.Incr, 10, d2.Id);
        var d3 = Backup("2026-11-01 18:00", BackupType.Diff, 12, f1.Id);
        var backups = new[] { f1, d1, i1, d2, i2, d3 };
        var plan = Plan(backups, Segments(1, 1, 14), Options(diff: 2));

        Assert.Equal([d1.Id, i1.Id], RemovedIds(plan));
        Assert.Equal("differential older than the 2 newest differential backups (retention.diff: 2)", plan.Backups[0].Reason);
        Assert.Equal([f1.Id, d2.Id, i2.Id, d3.Id], plan.KeptBackups);
        // The full still needs its WAL; only the segment before it goes.
        Assert.Equal(["000000010000000000000001"], RemovedWal(plan));
        AssertClosed(plan, backups);
    }

    [Fact]
    public void Plan_DiffsOfExpiredFullsDoNotCountTowardsDiffLimit()
    {
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 2);
        var d1 = Backup("2026-11-01 06:00", BackupType.Diff, 4, f1.Id);
        var f2 = Backup("2026-11-02 00:00", BackupType.Full, 6);
        var d2 = Backup("2026-11-02 06:00", BackupType.Diff, 8, f2.Id);
        var plan = Plan([f1, d1, f2, d2], [], Options(full: 1, diff: 1));
        Assert.Equal([f1.Id, d1.Id], RemovedIds(plan));
        Assert.Equal([f2.Id, d2.Id], plan.KeptBackups);
    }

    [Fact]
    public void Plan_IncrementalChainOnIncrementals_GoesWithItsExpiredRoot()
    {
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 2);
        var i1 = Backup("2026-11-01 01:00", BackupType.Incr, 4, f1.Id);
        var i2 = Backup("2026-11-01 02:00", BackupType.Incr, 6, i1.Id);
        var i3 = Backup("2026-11-01 03:00", BackupType.Incr, 8, i2.Id);
        var f2 = Backup("2026-11-02 00:00", BackupType.Full, 10);
        var backups = new[] { f1, i1, i2, i3, f2 };
        var plan = Plan(backups, [], Options(full: 1));
        Assert.Equal([f1.Id, i1.Id, i2.Id, i3.Id], RemovedIds(plan));
        AssertClosed(plan, backups);
    }

    [Fact]
    public void Plan_FileReferenceOutsideParentChain_IsADependencyToo()
    {
        // A kept-looking backup whose file bytes live in an expired backup's folder must go with it, never dangle.
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 2);
        var f2 = Backup("2026-11-02 00:00", BackupType.Full, 6);
        var i2 = Backup("2026-11-02 01:00", BackupType.Incr, 8, f2.Id, 1, f1.Id);
        var backups = new[] { f1, f2, i2 };
        var plan = Plan(backups, [], Options(full: 1));
        Assert.Equal([f1.Id, i2.Id], RemovedIds(plan));
        Assert.Equal($"depends on expired backup {f1.Id}", plan.Backups[1].Reason);
        AssertClosed(plan, backups);
    }

    [Fact]
    public void Plan_DeltaBaseOutsideParentChain_IsADependencyToo()
    {
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 2);
        var f2 = Backup("2026-11-02 00:00", BackupType.Full, 6);
        var i2 = Backup("2026-11-02 01:00", BackupType.Incr, 8, f2.Id) with
        {
            Files = [new ManifestFile { Path = "base/1/1259", Size = 8192, ModifiedAt = 0, Mode = 384, Sha256 = new string('0', 64), StoredSize = 10,
                Delta = new ManifestDelta(f1.Id, 1, new string('1', 64)) }],
        };
        var plan = Plan([f1, f2, i2], [], Options(full: 1));
        Assert.Equal([f1.Id, i2.Id], RemovedIds(plan));
        Assert.Equal([f1.Id], RetentionPlanner.Dependencies(i2).Except([f2.Id]));
    }

    [Fact]
    public void Plan_ArchiveDays_KeepsRecentlyArchivedWalOlderThanOldestBackup()
    {
        var backups = new[] { Backup("2026-11-01 00:00", BackupType.Full, 2), Backup("2026-11-29 00:00", BackupType.Full, 10) };
        // Segments 1-5 archived 40 days ago, 6-9 archived 3 days ago, 10-12 today.
        var wal = Segments(1, 1, 5, 40).Concat(Segments(1, 6, 9, 3)).Concat(Segments(1, 10, 12, 0));
        var plan = Plan(backups, wal, Options(full: 1, archiveDays: 7));
        Assert.Equal(["20261101-000000F"], RemovedIds(plan));
        Assert.Equal(Enumerable.Range(1, 5).Select(s => WalFileName.SegmentFileName(1, (ulong)s, SegmentSize)), RemovedWal(plan));
        Assert.Equal(4, plan.WalKeptByAge);
    }

    [Fact]
    public void Plan_ArchiveDaysAlone_NeverRemovesWalAKeptBackupNeeds()
    {
        var backups = new[] { Backup("2026-10-01 00:00", BackupType.Full, 3) };
        var plan = Plan(backups, Segments(1, 1, 8, 60), Options(archiveDays: 7));
        Assert.Empty(plan.Backups);
        Assert.Equal(["000000010000000000000001", "000000010000000000000002"], RemovedWal(plan));
    }

    [Fact]
    public void Plan_Timelines_KeepsLaterTimelinesAndHistoryAndRemovesOlderTimelineBeforeBoundary()
    {
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 2, timeline: 1);
        var f2 = Backup("2026-11-02 00:00", BackupType.Full, 8, timeline: 2);
        var f3 = Backup("2026-11-03 00:00", BackupType.Full, 12, timeline: 2);
        var wal = Segments(1, 1, 9).Concat(Segments(2, 7, 14)).Concat(Segments(3, 13, 15))
            .Append(File("00000002.history")).Append(File("00000003.history"))
            .Append(File("000000010000000000000009.partial"))
            .Append(File("000000020000000000000008.00000028.backup"));
        var plan = Plan([f1, f2, f3], wal, Options(full: 2));

        Assert.Equal([f1.Id], RemovedIds(plan));
        // Timeline 1 predates every kept backup: all of it goes, .partial included; timeline 2 before f2's start goes; history stays.
        var expected = Enumerable.Range(1, 9).Select(s => WalFileName.SegmentFileName(1, (ulong)s, SegmentSize)).ToList();
        expected.Add("000000010000000000000009.partial");
        expected.Add("000000020000000000000007");
        Assert.Equal(expected.Order(StringComparer.Ordinal), RemovedWal(plan));
        Assert.Equal(2, plan.WalRanges.Count);
        Assert.DoesNotContain(plan.WalFiles, w => w.Name.Kind == WalFileKind.History);
        Assert.DoesNotContain(plan.WalFiles, w => w.Name.Timeline == 3);
        Assert.Equal(new WalKeepBound(2, f2.StartWal, f2.Id), Assert.Single(plan.WalBounds));
    }

    [Fact]
    public void Plan_KeptBackupsOnTwoTimelines_KeepEachTimelineFromItsOwnOldestBackup()
    {
        var f1 = Backup("2026-11-01 00:00", BackupType.Full, 4, timeline: 1);
        var f2 = Backup("2026-11-02 00:00", BackupType.Full, 8, timeline: 2);
        var plan = Plan([f1, f2], Segments(1, 1, 9).Concat(Segments(2, 6, 10)), Options(full: 2));
        Assert.Empty(plan.Backups);
        // Timeline 2 is later than a kept backup's timeline (1): kept whole, even before f2's start.
        Assert.Equal(["000000010000000000000001", "000000010000000000000002", "000000010000000000000003"], RemovedWal(plan));
        Assert.Equal(2, plan.WalBounds.Count);
    }

    [Fact]
    public void Plan_WalGaps_RemovedRangesFollowTheGaps()
    {
        var backups = new[] { Backup("2026-11-01 00:00", BackupType.Full, 2), Backup("2026-11-02 00:00", BackupType.Full, 20) };
        // Gap 5-7 before the kept backup and 23-25 after it.
        var wal = Segments(1, 1, 4).Concat(Segments(1, 8, 22)).Concat(Segments(1, 26, 27));
        var plan = Plan(backups, wal, Options(full: 1));
        Assert.Equal(2, plan.WalRanges.Count);
        Assert.Equal(("000000010000000000000001", "000000010000000000000004"), (plan.WalRanges[0].First, plan.WalRanges[0].Last));
        Assert.Equal(("000000010000000000000008", "000000010000000000000013"), (plan.WalRanges[1].First, plan.WalRanges[1].Last));
        Assert.Equal(4 + 12, plan.WalFiles.Count);
        Assert.DoesNotContain(plan.WalFiles, w => w.Name.SegmentNumber(SegmentSize) >= 20);
    }

    [Fact]
    public void Plan_Daily_KeepsNewestFullOfEachOfTheLastDays()
    {
        var backups = new[]
        {
            Backup("2026-11-26 01:00", BackupType.Full, 2), Backup("2026-11-27 01:00", BackupType.Full, 4),
            Backup("2026-11-28 01:00", BackupType.Full, 6), Backup("2026-11-28 13:00", BackupType.Full, 8),
            Backup("2026-11-29 01:00", BackupType.Full, 10),
        };
        var plan = Plan(backups, [], Options(daily: 2));
        Assert.Equal(["20261126-010000F", "20261127-010000F", "20261128-010000F"], RemovedIds(plan));
        Assert.Equal(["20261128-130000F", "20261129-010000F"], plan.KeptBackups);
        Assert.Equal("full backup not among the newest of the last 2 days with a full backup (retention.daily: 2)", plan.Backups[0].Reason);
    }

    [Fact]
    public void Plan_GrandfatherFatherSon_KeepsUnionOfDailyWeeklyMonthly()
    {
        // One full backup every day at 02:00 from 2026-09-01 to 2026-11-30 (91 backups).
        var backups = Enumerable.Range(0, 91)
            .Select(d => Backup(new DateTime(2026, 9, 1).AddDays(d).ToString("yyyy-MM-dd 02:00", CultureInfo.InvariantCulture), BackupType.Full, (ulong)(2 + (2 * d))))
            .ToList();
        var plan = Plan(backups, [], Options(daily: 3, weekly: 2, monthly: 3));

        // daily: 28, 29, 30 Nov; weekly: the Sundays ending the last two ISO weeks (Sun 29 Nov; week of Mon 30 Nov → 30 Nov);
        // monthly: 30 Sep, 31 Oct, 30 Nov.
        Assert.Equal(["20260930-020000F", "20261031-020000F", "20261128-020000F", "20261129-020000F", "20261130-020000F"], plan.KeptBackups);
        Assert.Equal(86, plan.Backups.Count);
    }

    [Fact]
    public void Plan_FullAndWeekly_KeepsUnion()
    {
        var backups = new[]
        {
            Backup("2026-11-02 01:00", BackupType.Full, 2), Backup("2026-11-05 01:00", BackupType.Full, 4),
            Backup("2026-11-10 01:00", BackupType.Full, 6), Backup("2026-11-17 01:00", BackupType.Full, 8),
            Backup("2026-11-18 01:00", BackupType.Full, 10),
        };
        var plan = Plan(backups, [], Options(full: 1, weekly: 3));
        // Weeks 45 (2-8 Nov), 46 (9-15), 47 (16-22): the newest of the last three weeks, plus the newest overall.
        Assert.Equal(["20261105-010000F", "20261110-010000F", "20261118-010000F"], plan.KeptBackups);
        Assert.Contains("retention.full: 1", plan.Backups[0].Reason);
        Assert.Contains("retention.weekly: 3", plan.Backups[0].Reason);
    }

    [Fact]
    public void Plan_NothingToExpire_IsEmpty()
    {
        var backups = new[] { Backup("2026-11-29 00:00", BackupType.Full, 1) };
        var plan = Plan(backups, Segments(1, 1, 3).Append(File("00000002.history")), Options(full: 3, diff: 2, archiveDays: 1));
        Assert.True(plan.IsEmpty);
        Assert.Equal(0, plan.BackupBytes + plan.WalBytes);
    }

    [Fact]
    public void Plan_TwoForgedFarFutureFulls_RefusesInsteadOfExpiringRealBackups()
    {
        var real = new[] { Backup("2026-11-20 01:00", BackupType.Full, 1), Backup("2026-11-27 01:00", BackupType.Full, 10) };
        var forged = Backup("2999-12-31 00:00", BackupType.Full, 50);

        var e = Assert.Throws<PgArk.Core.Errors.IntegrityException>(() =>
            Plan(real.Append(forged).Append(forged with { StartTime = forged.StartTime.AddSeconds(1) }), Segments(1, 1, 60), Options(full: 2)));

        Assert.Equal("refusing to apply retention: backup '29991231-000000F' cannot be trusted (it is dated 2999-12-31 00:00:00Z, in the future)",
            e.Message);
    }

    [Fact]
    public void Plan_IdNotMatchingManifestTypeOrStart_Refuses()
    {
        var real = Backup("2026-11-20 01:00", BackupType.Full, 1);
        var claimsFull = Backup("2026-11-21 01:00", BackupType.Incr, 5, parent: real.Id) with { Id = "20261121-010000F" };
        var earlyId = Backup("2026-11-22 01:00", BackupType.Full, 8) with { Id = "20261122-005800F" };
        var lateId = Backup("2026-11-22 01:00", BackupType.Full, 8) with { Id = "20261129-010000F" };

        Assert.Contains("its id says type 'F' but the manifest says incr", Assert.Throws<PgArk.Core.Errors.IntegrityException>(() =>
            Plan([real, claimsFull], Segments(1, 1, 10), Options(full: 1))).Message, StringComparison.Ordinal);
        Assert.Contains("its id does not match its start time", Assert.Throws<PgArk.Core.Errors.IntegrityException>(() =>
            Plan([real, earlyId], Segments(1, 1, 10), Options(full: 1))).Message, StringComparison.Ordinal);
        Assert.Contains("its id does not match its start time", Assert.Throws<PgArk.Core.Errors.IntegrityException>(() =>
            Plan([real, lateId], Segments(1, 1, 10), Options(full: 1))).Message, StringComparison.Ordinal);
        // An id a second later than the start (two backups in one second) is what the backup runner writes.
        var collided = Backup("2026-11-22 01:00", BackupType.Full, 8) with { Id = "20261122-010001F" };
        Assert.Equal([real.Id], RemovedIds(Plan([real, collided], Segments(1, 1, 10), Options(full: 1))));
    }
}
