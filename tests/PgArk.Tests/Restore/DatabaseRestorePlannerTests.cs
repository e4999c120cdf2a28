using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;

namespace PgArk.Tests.Restore;

/// <summary>
/// The restore planner's statements: which backup chain, which WAL, the exact recovery settings, and for targets outside
/// the recoverable window the nearest point it can reach.
/// </summary>
public class DatabaseRestorePlannerTests
{
    private const long SegmentSize = 16 << 20;
    private static readonly DateTimeOffset s_day = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    private static string Segment(int n) => $"0000000100000000000000{n:X2}";

    private static BackupManifest Backup(int hour, BackupType type, int segment, string? parent = null) => new()
    {
        Id = BackupId.Create(s_day.AddHours(hour), type).Value,
        Type = type,
        Parent = parent,
        Server = "pg1",
        StartTime = s_day.AddHours(hour),
        StopTime = s_day.AddHours(hour).AddMinutes(10),
        StartLsn = $"0/{segment:X}000028",
        StopLsn = $"0/{segment:X}000100",
        Timeline = 1,
        StartWal = Segment(segment),
        StopWal = Segment(segment),
        SystemIdentifier = 1,
        PgVersionNum = 150000,
        WalSegmentSize = SegmentSize,
        DataChecksums = true,
        Compression = "zstd",
        CompressionLevel = 3,
        Size = 1000 + hour,
        StoredSize = 1,
        DurationSeconds = 1,
        Tablespaces = [],
        Directories = [],
        Files = [],
    };

    /// <summary>Segment n is archived at hour n + 0:30 (segments 1 to 10 unless some are left out).</summary>
    private static List<(WalFileName, DateTimeOffset)> Wal(params int[] missing) =>
        Enumerable.Range(1, 10).Where(n => !missing.Contains(n))
            .Select(n => (WalFileName.Parse(Segment(n)), s_day.AddHours(n).AddMinutes(30))).ToList();

    private static readonly BackupManifest s_full = Backup(1, BackupType.Full, 1);
    private static readonly BackupManifest s_incr = Backup(5, BackupType.Incr, 5, s_full.Id);

    private static DatabaseRestorePlan Plan(RestoreTarget target, IReadOnlyList<(WalFileName, DateTimeOffset)>? wal = null, string? into = null,
        bool replace = false, bool liveExists = true) =>
        DatabaseRestorePlanner.Plan("pg1", new DatabaseRestoreRequest("customer_db", target, into, replace),
            new RepositoryState([s_full, s_incr], wal ?? Wal(), SegmentSize, "repository 'local' (/repo)"), liveExists, "20261121120000");

    [Fact]
    public void Plan_TimeAfterIncremental_UsesItsChainAndStatesTheExactTarget()
    {
        var plan = Plan(RestoreTarget.AtTime(s_day.AddHours(7).AddMinutes(15)));

        Assert.Equal([s_full.Id, s_incr.Id], plan.Chain.Select(b => b.Id));
        Assert.Equal(["full", "incr"], plan.Chain.Select(b => b.Type));
        Assert.Equal(["recovery_target_time = '2026-11-21 07:15:00.000000+00'", "recovery_target_timeline = 'latest'", "recovery_target_action = 'promote'"],
            plan.RecoverySettings);
        Assert.Equal(Segment(5), plan.WalFrom);
        // Segment 7 was archived at 7:30, after the target: the commit that ends recovery is in it.
        Assert.Equal(Segment(7), plan.WalTo);
        Assert.Equal(3, plan.WalSegments);
        Assert.Equal("repository 'local' (/repo)", plan.WalSource);
        Assert.Equal(s_full.StopTime, plan.WindowFrom);
        Assert.Equal(s_day.AddHours(10).AddMinutes(30), plan.WindowTo);
        Assert.Equal(s_incr.Size, plan.RestoreBytes);
    }

    [Fact]
    public void Plan_TimeBetweenFullAndIncremental_UsesTheFullBackupOnly()
    {
        var plan = Plan(RestoreTarget.AtTime(s_day.AddHours(3)));

        Assert.Equal([s_full.Id], plan.Chain.Select(b => b.Id));
        Assert.Equal(Segment(1), plan.WalFrom);
        Assert.Equal(Segment(3), plan.WalTo);
    }

    [Fact]
    public void Plan_Latest_UsesTheNewestBackupAndAllArchivedWal()
    {
        var plan = Plan(RestoreTarget.Latest);

        Assert.Equal(s_incr.Id, plan.Backup.Id);
        Assert.Equal(Segment(10), plan.WalTo);
        Assert.Equal(6, plan.WalSegments);
        Assert.Equal(["recovery_target_timeline = 'latest'"], plan.RecoverySettings);
    }

    [Fact]
    public void Plan_TargetBeforeOldestBackup_RefusesNamingTheEarliestConsistentPoint()
    {
        var error = Assert.Throws<RefusedException>(() => Plan(RestoreTarget.AtTime(s_day.AddMinutes(30))));

        Assert.Equal("target 2026-11-21 00:30:00.000000 UTC is before the oldest backup of server 'pg1'; the earliest consistent point is " +
            $"2026-11-21 01:10:00.000000 UTC (end of backup {s_full.Id}, LSN 0/1000100)", error.Message);
        Assert.Equal("use --target-time 2026-11-21T01:10:00.000000Z or later", error.Hint);
    }

    [Fact]
    public void Plan_TargetAfterLastArchivedWal_RefusesNamingTheLatestPoint()
    {
        var error = Assert.Throws<RefusedException>(() => Plan(RestoreTarget.AtTime(s_day.AddHours(12))));

        Assert.Equal("target 2026-11-21 12:00:00.000000 UTC is after the last archived WAL of server 'pg1'; the latest reachable point is " +
            $"2026-11-21 10:30:00.000000 UTC (segment {Segment(10)})", error.Message);
        Assert.StartsWith("use --target latest", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_TargetBeyondAWalGap_RefusesNamingTheLastPointBeforeIt()
    {
        var error = Assert.Throws<RefusedException>(() => Plan(RestoreTarget.AtTime(s_day.AddHours(9)), Wal(7, 8)));

        Assert.Equal("target 2026-11-21 09:00:00.000000 UTC lies beyond a gap in the archived WAL of server 'pg1' (missing segments " +
            $"{Segment(7)} to {Segment(8)}); the last point before the gap is 2026-11-21 06:30:00.000000 UTC (end of segment {Segment(6)})", error.Message);
    }

    [Fact]
    public void Plan_TargetBeforeAWalGap_IsReachable()
    {
        var plan = Plan(RestoreTarget.AtTime(s_day.AddHours(6)), Wal(7, 8));

        Assert.Equal(Segment(6), plan.WalTo);
    }

    [Fact]
    public void Plan_IncrementalWhoseParentIsGone_IsSkippedForAnOlderBackup()
    {
        var orphan = Backup(5, BackupType.Incr, 5, BackupId.Create(s_day.AddHours(-48), BackupType.Full).Value);

        var plan = DatabaseRestorePlanner.Plan("pg1", new DatabaseRestoreRequest("customer_db", RestoreTarget.AtTime(s_day.AddHours(6))),
            new RepositoryState([s_full, orphan], Wal(), SegmentSize, "x"), true, "1");

        Assert.Equal([s_full.Id], plan.Chain.Select(b => b.Id));
        Assert.Equal(Segment(1), plan.WalFrom);
    }

    [Fact]
    public void Plan_SingleFullBackupWithOnlyItsOwnWal_AcceptsItsConsistentPointAndStatesAWindowThatIsNotInverted()
    {
        // The backup's segment is archived (1:05) before its stop time (1:10), as BaseBackupRunner records it.
        var wal = new List<(WalFileName, DateTimeOffset)> { (WalFileName.Parse(Segment(1)), s_day.AddHours(1).AddMinutes(5)) };

        var plan = DatabaseRestorePlanner.Plan("pg1", new DatabaseRestoreRequest("customer_db", RestoreTarget.AtTime(s_full.StopTime)),
            new RepositoryState([s_full], wal, SegmentSize, "x"), true, "1");

        Assert.Equal(s_full.StopTime, plan.WindowFrom);
        Assert.Equal(s_full.StopTime, plan.WindowTo);
        Assert.Equal(Segment(1), plan.WalTo);
    }

    [Fact]
    public void Plan_NoBackup_IsNotFound()
    {
        var error = Assert.Throws<NotFoundException>(() => DatabaseRestorePlanner.Plan("pg1",
            new DatabaseRestoreRequest("customer_db", RestoreTarget.Latest), new RepositoryState([], Wal(), SegmentSize, "x"), true, "1"));

        Assert.Equal("server 'pg1' has no complete backup", error.Message);
    }

    [Fact]
    public void Plan_LiveDatabase_IsKeptUnderATimestampedName()
    {
        var plan = Plan(RestoreTarget.Latest);

        Assert.Equal("kept as 'customer_db_before_restore_20261121120000'", plan.LiveDatabase);
        Assert.Contains(plan.Steps, s => s.Contains("rename it to 'customer_db_before_restore_20261121120000' and 'customer_db_restoring_20261121120000' to 'customer_db' in one transaction", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_Replace_DropsTheLiveDatabaseAfterTheSwap()
    {
        var plan = Plan(RestoreTarget.Latest, replace: true);

        Assert.Equal("dropped after the swap (--replace)", plan.LiveDatabase);
        Assert.Contains("drop 'customer_db_before_restore_20261121120000'", plan.Steps);
    }

    [Fact]
    public void Plan_Into_LeavesTheLiveDatabaseAlone()
    {
        var plan = Plan(RestoreTarget.Latest, into: "customer_db_copy");

        Assert.Equal("customer_db_copy", plan.Into);
        Assert.Equal("left as it is ('customer_db' is not touched)", plan.LiveDatabase);
    }

    [Fact]
    public void Plan_IntoWithReplace_IsAUsageError()
    {
        var error = Assert.Throws<UsageException>(() => Plan(RestoreTarget.Latest, into: "x", replace: true));

        Assert.Equal("--replace and --into exclude each other", error.Message);
    }

    [Fact]
    public void Plan_TargetLsn_IsAUsageError()
    {
        var error = Assert.Throws<UsageException>(() => Plan(RestoreTarget.AtLsn(PgArk.Core.Postgres.Lsn.Parse("0/5000000"))));

        Assert.Equal("a database-level restore takes a target time or 'latest', not LSN 0/5000000", error.Message);
    }

    [Fact]
    public void Names_LongDatabaseName_IsShortenedToFitSixtyThreeBytes()
    {
        var database = new string('d', 60);

        var kept = DatabaseNames.BeforeRestore(database, "20261121120000");

        Assert.Equal(63, System.Text.Encoding.UTF8.GetByteCount(kept));
        Assert.EndsWith("_before_restore_20261121120000", kept, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_MultibyteCharacters_AreNeverCutInHalf()
    {
        var kept = DatabaseNames.Restoring(new string('é', 40), "20261121120000");

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(kept) <= 63);
        Assert.Equal(kept, System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(kept)));
        Assert.Equal("20261121120000", DatabaseNames.Stamp(DateTimeOffset.Parse("2026-11-21T13:00:00+01:00", CultureInfo.InvariantCulture)));
    }
}
