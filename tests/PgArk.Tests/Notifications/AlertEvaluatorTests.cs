using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Notifications;
using PgArk.Core.Notifications.Alerts;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Notifications;

/// <summary>Each alert condition triggered, repeated on the interval, and resolved, over a fake clock.</summary>
public class AlertEvaluatorTests
{
    private const string Server = "main";
    private static readonly DateTimeOffset s_start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_repeat = TimeSpan.FromHours(4);

    private static AlertOptions Options(AlertThresholds? main = null) => AlertOptions.Default with
    {
        RepeatEvery = s_repeat,
        Servers = main is null ? new Dictionary<string, AlertThresholds>() : new Dictionary<string, AlertThresholds> { [Server] = main },
    };

    private static OperationRunRecord Run(string operation, string status, DateTimeOffset started, double seconds, string? error = null) => new()
    {
        RunId = $"{started:yyyyMMdd-HHmmss}-{operation}", Operation = operation, Server = Server, Status = status, Origin = "manual",
        StartedAt = started, FinishedAt = started.AddSeconds(seconds), DurationSeconds = seconds, Error = error, Host = "db1", ProcessId = 1,
        Type = operation == "backup" ? "full" : null,
    };

    // A server where nothing is wrong: a backup an hour ago, every run (before the test starts) succeeded, WAL up to date,
    // the next run in the future.
    private static ServerFacts Healthy(DateTimeOffset now) => new(Server,
        [Run("backup", RunStatus.Success, s_start.AddHours(-2), 600), Run("verify", RunStatus.Success, s_start.AddHours(-1), 60)],
        [new BackupFact("b-prev", "full", now.AddHours(-25), 1000), new BackupFact("b-new", "full", now.AddHours(-1), 1100)],
        0, [new ScheduleFact("full", now.AddHours(1))]);

    private static ServerFacts Holding(AlertKind kind, DateTimeOffset now)
    {
        var healthy = Healthy(now);
        return kind switch
        {
            AlertKind.BackupFailed => healthy with { Runs = [.. healthy.Runs, Run("backup", RunStatus.Failure, s_start.AddMinutes(-30), 5, "disk full")] },
            AlertKind.NoRecentBackup => healthy with { Backups = [new BackupFact("old", "full", s_start.AddHours(-26), 1000)] },
            AlertKind.BackupSizeChange => healthy with
            {
                Backups = [new BackupFact("b-prev", "full", s_start.AddHours(-25), 1000), new BackupFact("b-big", "full", s_start.AddHours(-1), 1600)],
            },
            AlertKind.SlowRestore => healthy with { Runs = [.. healthy.Runs, Run("verify_restore", RunStatus.Success, s_start.AddHours(-3), 61 * 60)] },
            AlertKind.ValidationFailed => healthy with { Runs = [.. healthy.Runs, Run("verify", RunStatus.Failure, s_start.AddMinutes(-10), 30, "checksum mismatch")] },
            AlertKind.WalArchiveLag => healthy with { WalLagSegments = 17 },
            AlertKind.StreamLag => healthy with { Stream = new("pgark_main", true, "0/1000000", "0/5100000", 65L << 20, "reserved") },
            _ => healthy with { Schedule = [new ScheduleFact("full", s_start.AddMinutes(-61))] },
        };
    }

    // After the fix: a later run succeeded, a new backup, WAL caught up, the schedule ran.
    private static ServerFacts Resolved(AlertKind kind, DateTimeOffset now)
    {
        var holding = Holding(kind, now);
        return kind switch
        {
            AlertKind.BackupFailed => holding with { Runs = [.. holding.Runs, Run("backup", RunStatus.Success, now.AddMinutes(-5), 60)] },
            AlertKind.BackupSizeChange => holding with { Backups = [.. holding.Backups, new BackupFact("b-next", "full", now.AddMinutes(-1), 1700)] },
            AlertKind.SlowRestore => holding with { Runs = [.. holding.Runs, Run("restore", RunStatus.Success, now.AddMinutes(-20), 600)] },
            AlertKind.ValidationFailed => holding with { Runs = [.. holding.Runs, Run("verify", RunStatus.Success, now.AddMinutes(-1), 30)] },
            _ => Healthy(now),
        };
    }

    public static TheoryData<AlertKind> Kinds() => [.. Enum.GetValues<AlertKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Condition_FiresOnce_RepeatsOnInterval_ResolvesWithMessage(AlertKind kind)
    {
        var clock = new ManualClock(s_start);
        var evaluator = new AlertEvaluator(Options(), clock);

        var fired = Assert.Single(evaluator.Evaluate([Holding(kind, clock.GetUtcNow())]));
        Assert.Equal((AlertTransition.Firing, Server, kind, s_start), (fired.Transition, fired.Server, fired.Kind, fired.Since));
        Assert.Equal(NotificationKind.AlertFiring, fired.ToNotification().Kind);
        Assert.Equal(kind, Assert.Single(evaluator.Active).Kind);

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(evaluator.Evaluate([Holding(kind, clock.GetUtcNow())]));

        clock.Advance(s_repeat - TimeSpan.FromMinutes(10));
        var repeated = Assert.Single(evaluator.Evaluate([Holding(kind, clock.GetUtcNow())]));
        Assert.Equal((AlertTransition.Repeated, kind, s_start), (repeated.Transition, repeated.Kind, repeated.Since));
        Assert.Equal(NotificationEvents.Alert, repeated.ToNotification().Event);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(evaluator.Evaluate([Holding(kind, clock.GetUtcNow())]));

        clock.Advance(TimeSpan.FromMinutes(5));
        var resolved = Assert.Single(evaluator.Evaluate([Resolved(kind, clock.GetUtcNow())]));
        Assert.Equal((AlertTransition.Resolved, kind), (resolved.Transition, resolved.Kind));
        Assert.StartsWith($"resolved: {AlertConditions.Name(kind)} no longer holds for server 'main' (was: ", resolved.Message, StringComparison.Ordinal);
        var notification = resolved.ToNotification();
        Assert.Equal((NotificationKind.AlertResolved, NotificationEvents.Resolved), (notification.Kind, notification.Event));
        Assert.Contains(notification.Facts, f => f.Key == "Active for" && f.Value == "246 min");
        Assert.Empty(evaluator.Active);

        clock.Advance(s_repeat);
        Assert.Empty(evaluator.Evaluate([Resolved(kind, clock.GetUtcNow())]));
    }

    [Fact]
    public void HealthyServer_NothingFires()
    {
        var evaluator = new AlertEvaluator(Options(), new ManualClock(s_start));

        Assert.Empty(evaluator.Evaluate([Healthy(s_start)]));
    }

    [Fact]
    public void Messages_SayWhatAndHowMuch()
    {
        var now = s_start;
        string Message(AlertKind kind) => Assert.Single(AlertConditions.Evaluate(Holding(kind, now), new AlertThresholds(), now)).Message;

        Assert.Equal("the last backup (full) of server 'main' (started 2026-12-03 11:30:00Z) failed: disk full", Message(AlertKind.BackupFailed));
        Assert.Equal("no successful backup of server 'main' for 26 h (threshold 25 h; newest old, finished 2026-12-02 10:00:00Z)",
            Message(AlertKind.NoRecentBackup));
        Assert.Equal("server 'main': full backup b-big is 60 % larger than b-prev (1600 vs 1000 bytes) (threshold 50 %)", Message(AlertKind.BackupSizeChange));
        Assert.Equal("the last verify-restore of server 'main' (started 2026-12-03 09:00:00Z) took 61 min (threshold 60 min)", Message(AlertKind.SlowRestore));
        Assert.Equal("server 'main' has 17 completed WAL segments not yet in the repository (threshold 16)", Message(AlertKind.WalArchiveLag));
        Assert.Contains("scheduled full due 2026-12-03 10:59:00Z has not run", Message(AlertKind.ScheduleMissed), StringComparison.Ordinal);
        Assert.Equal("the streamer of server 'main' is 68157440 bytes behind the server (threshold 64 MB)", Message(AlertKind.StreamLag));
    }

    [Fact]
    public void StreamLag_AlsoFires_ForAnIdleOrMissingSlot_NotForAStreamWithinTheThreshold()
    {
        var now = s_start;
        var healthy = Healthy(now);
        var idle = healthy with { Stream = new("pgark_main", false, "0/1000000", "0/1100000", 1 << 20, "reserved") };
        Assert.Contains("no streamer is connected to slot pgark_main of server 'main'",
            Assert.Single(AlertConditions.Evaluate(idle, new AlertThresholds(), now)).Message, StringComparison.Ordinal);
        var missing = healthy with { StreamSlotMissing = true };
        Assert.Equal(AlertKind.StreamLag, Assert.Single(AlertConditions.Evaluate(missing, new AlertThresholds(), now)).Kind);
        var streaming = healthy with { Stream = new("pgark_main", true, "0/1000000", "0/1100000", 1 << 20, "reserved") };
        Assert.Empty(AlertConditions.Evaluate(streaming, new AlertThresholds(), now));
        Assert.Empty(AlertConditions.Evaluate(healthy with { Stream = new("pgark_main", true, "0/1000000", "0/5100000", 65L << 20, null) },
            new AlertThresholds(StreamLagMegabytes: 128), now));
    }

    [Fact]
    public void PerServerThresholds_ReplaceTheDefaults()
    {
        var evaluator = new AlertEvaluator(Options(new AlertThresholds(RestoreMinutes: 120, SizeChangePercent: 70, WalLagSegments: 32)),
            new ManualClock(s_start));

        Assert.Empty(evaluator.Evaluate([Holding(AlertKind.SlowRestore, s_start)]));
        Assert.Empty(evaluator.Evaluate([Holding(AlertKind.BackupSizeChange, s_start)]));
        Assert.Empty(evaluator.Evaluate([Holding(AlertKind.WalArchiveLag, s_start)]));
    }

    [Fact]
    public void SkippedAndCancelledRuns_NeitherFireNorResolve()
    {
        var clock = new ManualClock(s_start);
        var evaluator = new AlertEvaluator(Options(), clock);
        var failed = Holding(AlertKind.BackupFailed, s_start);
        Assert.Single(evaluator.Evaluate([failed]));

        clock.Advance(TimeSpan.FromMinutes(1));
        var skipped = failed with { Runs = [.. failed.Runs, Run("backup", RunStatus.Skipped, s_start.AddSeconds(30), 0, "lock held")] };

        Assert.Empty(evaluator.Evaluate([skipped]));
        Assert.Equal(AlertKind.BackupFailed, Assert.Single(evaluator.Active).Kind);
    }

    [Fact]
    public void ServerWithoutFacts_KeepsItsAlerts_OtherServersEvaluated()
    {
        var clock = new ManualClock(s_start);
        var evaluator = new AlertEvaluator(Options(), clock);
        evaluator.Evaluate([Holding(AlertKind.WalArchiveLag, s_start)]);

        clock.Advance(TimeSpan.FromMinutes(1));
        var other = Healthy(clock.GetUtcNow()) with { Server = "other", WalLagSegments = 20 };

        var fired = Assert.Single(evaluator.Evaluate([other]));
        Assert.Equal(("other", AlertTransition.Firing), (fired.Server, fired.Transition));
        Assert.Equal([("main", AlertKind.WalArchiveLag), ("other", AlertKind.WalArchiveLag)], evaluator.Active.Select(a => (a.Server, a.Kind)));
    }
}
