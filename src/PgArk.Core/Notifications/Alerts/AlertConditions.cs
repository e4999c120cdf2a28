using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;

namespace PgArk.Core.Notifications.Alerts;

/// <summary>The alerts <c>pgark serve</c> evaluates: seed 004's five, WAL archive lag and missed schedules.</summary>
public enum AlertKind
{
    BackupFailed,
    NoRecentBackup,
    BackupSizeChange,
    SlowRestore,
    ValidationFailed,
    WalArchiveLag,
    ScheduleMissed,
    StreamLag,
}

/// <summary>A complete backup in the repository, as the alerts need it.</summary>
internal sealed record BackupFact(string Id, string Type, DateTimeOffset StopTime, long Size);

/// <summary>A schedule entry and its first occurrence the scheduler has not dealt with yet (null: none will come).</summary>
internal sealed record ScheduleFact(string Key, DateTimeOffset? NextDue);

/// <summary>
/// What the alerts look at for one server, read from its repository (run history, backups, schedule state) and the server
/// itself (WAL position); see <see cref="AlertFactsReader"/>.
/// </summary>
/// <param name="WalLagSegments">Completed WAL segments not yet in the repository; null when unknown (server down, standby, nothing archived yet).</param>
internal sealed record ServerFacts(string Server, IReadOnlyList<OperationRunRecord> Runs, IReadOnlyList<BackupFact> Backups, long? WalLagSegments,
    IReadOnlyList<ScheduleFact> Schedule)
{
    /// <summary>The streamer's slot of a <c>stream: true</c> server (null: not streamed, or the server did not answer).</summary>
    public Streaming.StreamSlotState? Stream { get; init; }

    /// <summary>True for a <c>stream: true</c> server whose slot does not exist (no streamer ever ran, or it was dropped).</summary>
    public bool StreamSlotMissing { get; init; }
}

/// <summary>A condition that holds now, with the sentence that says why.</summary>
internal sealed record AlertCondition(AlertKind Kind, string Message);

/// <summary>Pure checks of each condition over a server's facts at a given time.</summary>
internal static class AlertConditions
{
    /// <summary>Operations whose duration is a restore time (seed 004: "restore takes more than 60 minutes"; drills included).</summary>
    public static readonly IReadOnlySet<string> RestoreOperations =
        new HashSet<string>(StringComparer.Ordinal) { "restore", "restore_database", "verify_restore" };

    /// <summary>Operations that validate backups or dumps (seed 004: "validation failure").</summary>
    public static readonly IReadOnlySet<string> ValidationOperations =
        new HashSet<string>(StringComparer.Ordinal) { "verify", "verify_restore", "verify_dump", "verify_dump_restore" };

    /// <summary>The label value of <paramref name="kind"/> in metrics and messages (snake_case).</summary>
    public static string Name(AlertKind kind) => kind switch
    {
        AlertKind.BackupFailed => "backup_failed",
        AlertKind.NoRecentBackup => "no_recent_backup",
        AlertKind.BackupSizeChange => "backup_size_change",
        AlertKind.SlowRestore => "slow_restore",
        AlertKind.ValidationFailed => "validation_failed",
        AlertKind.WalArchiveLag => "wal_archive_lag",
        AlertKind.StreamLag => "stream_lag",
        _ => "schedule_missed",
    };

    /// <summary>The kind whose <see cref="Name"/> is <paramref name="name"/>, or null.</summary>
    public static AlertKind? Parse(string name) =>
        Enum.GetValues<AlertKind>().Where(k => Name(k) == name).Select(k => (AlertKind?)k).FirstOrDefault();

    public static IReadOnlyList<AlertCondition> Evaluate(ServerFacts facts, AlertThresholds thresholds, DateTimeOffset now)
    {
        var holding = new List<AlertCondition>();
        // Skipped (lock held) and cancelled runs say nothing about whether the thing works.
        var decided = facts.Runs.Where(r => r.Status is RunStatus.Success or RunStatus.Failure).OrderBy(r => r.StartedAt).ToList();

        if (decided.LastOrDefault(r => r.Operation == "backup") is { Status: RunStatus.Failure } failedBackup)
        {
            holding.Add(new(AlertKind.BackupFailed, $"the last backup{TypeText(failedBackup.Type)} of server '{facts.Server}' " +
                $"(started {Time(failedBackup.StartedAt)}) failed: {failedBackup.Error ?? "no error recorded"}"));
        }

        var newest = facts.Backups.MaxBy(b => b.StopTime);
        var maxAge = TimeSpan.FromHours(thresholds.NoBackupHours);
        if (newest is null)
        {
            holding.Add(new(AlertKind.NoRecentBackup, $"server '{facts.Server}' has no complete backup in its repository"));
        }
        else if (now - newest.StopTime > maxAge)
        {
            holding.Add(new(AlertKind.NoRecentBackup, $"no successful backup of server '{facts.Server}' for {Hours(now - newest.StopTime)} " +
                $"(threshold {Number(thresholds.NoBackupHours)} h; newest {newest.Id}, finished {Time(newest.StopTime)})"));
        }

        var changes = new List<string>();
        foreach (var group in facts.Backups.GroupBy(b => b.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(b => b.StopTime).ToList();
            if (ordered.Count < 2 || ordered[^2].Size <= 0)
            {
                continue;
            }
            var (previous, last) = (ordered[^2], ordered[^1]);
            var percent = (last.Size - previous.Size) * 100.0 / previous.Size;
            if (Math.Abs(percent) > thresholds.SizeChangePercent)
            {
                changes.Add($"{group.Key} backup {last.Id} is {Number(Math.Abs(percent))} % {(percent > 0 ? "larger" : "smaller")} than {previous.Id} " +
                    $"({last.Size} vs {previous.Size} bytes)");
            }
        }
        if (changes.Count > 0)
        {
            holding.Add(new(AlertKind.BackupSizeChange, $"server '{facts.Server}': {string.Join("; ", changes)} " +
                $"(threshold {Number(thresholds.SizeChangePercent)} %)"));
        }

        if (decided.LastOrDefault(r => RestoreOperations.Contains(r.Operation)) is { } restore
            && restore.DurationSeconds > thresholds.RestoreMinutes * 60)
        {
            holding.Add(new(AlertKind.SlowRestore, $"the last {restore.Operation.Replace('_', '-')} of server '{facts.Server}' " +
                $"(started {Time(restore.StartedAt)}) took {Number(restore.DurationSeconds / 60)} min (threshold {Number(thresholds.RestoreMinutes)} min)"));
        }

        var failedValidations = decided.Where(r => ValidationOperations.Contains(r.Operation)).GroupBy(r => r.Operation)
            .Select(g => g.Last()).Where(r => r.Status == RunStatus.Failure).OrderBy(r => r.Operation, StringComparer.Ordinal).ToList();
        if (failedValidations.Count > 0)
        {
            holding.Add(new(AlertKind.ValidationFailed, $"server '{facts.Server}': " + string.Join("; ", failedValidations.Select(r =>
                $"the last {r.Operation.Replace('_', '-')}{(r.Database is { } db ? $" of database '{db}'" : "")} (started {Time(r.StartedAt)}) failed: " +
                (r.Error ?? "no error recorded")))));
        }

        if (facts.WalLagSegments is { } lag && lag > thresholds.WalLagSegments)
        {
            holding.Add(new(AlertKind.WalArchiveLag, $"server '{facts.Server}' has {lag} completed WAL segments not yet in the repository " +
                $"(threshold {thresholds.WalLagSegments})"));
        }

        if (facts.StreamSlotMissing)
        {
            holding.Add(new(AlertKind.StreamLag, $"server '{facts.Server}' has stream: true but no replication slot {Streaming.WalStreamSlot.NameFor(facts.Server)}: " +
                "no streamer has run (is pgark serve or pgark-stream@ running?)"));
        }
        else if (facts.Stream is { Active: false } idle)
        {
            holding.Add(new(AlertKind.StreamLag, $"no streamer is connected to slot {idle.Slot} of server '{facts.Server}': {idle.LagBytes} bytes of WAL " +
                "are not in the repository and pg_wal keeps them"));
        }
        else if (facts.Stream is { } stream && stream.LagBytes > thresholds.StreamLagMegabytes * 1048576L)
        {
            holding.Add(new(AlertKind.StreamLag, $"the streamer of server '{facts.Server}' is {stream.LagBytes} bytes behind the server " +
                $"(threshold {thresholds.StreamLagMegabytes} MB)"));
        }

        var grace = TimeSpan.FromMinutes(thresholds.ScheduleGraceMinutes);
        var missed = facts.Schedule.Where(s => s.NextDue is { } due && now - due > grace).OrderBy(s => s.NextDue).ToList();
        if (missed.Count > 0)
        {
            holding.Add(new(AlertKind.ScheduleMissed, $"server '{facts.Server}': scheduled " +
                string.Join(", ", missed.Select(s => $"{s.Key} due {Time(s.NextDue!.Value)}")) +
                $" has not run (grace {Number(thresholds.ScheduleGraceMinutes)} min; is pgark serve's scheduler running?)"));
        }
        return holding;
    }

    private static string TypeText(string? type) => type is null ? "" : $" ({type})";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan span) => Number(span.TotalHours) + " h";

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
