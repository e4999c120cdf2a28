using PgArk.Core.Configuration;

namespace PgArk.Core.Scheduling;

/// <summary>
/// Pure next-run logic over a schedule and its saved state: which entries are due now, and when the next one is. Each
/// entry runs at most once however many of its occurrences went by (while the service was down, or while an earlier run
/// of the same server was still going): missed runs are caught up once, never replayed one by one.
/// </summary>
internal static class SchedulePlanner
{
    /// <summary>
    /// The state to start from at <paramref name="now"/>: saved entries keep their position (so what they missed is due);
    /// entries never seen before start covered up to now (a new schedule does not fire for the past).
    /// </summary>
    public static ScheduleState Start(ScheduleOptions schedule, ScheduleState? saved, DateTimeOffset now)
    {
        var state = new ScheduleState();
        foreach (var entry in schedule.Entries)
        {
            state.Entries[entry.Key] = saved?.Entries.GetValueOrDefault(entry.Key) is { } known ? known : new ScheduleEntryState(now);
        }
        return state;
    }

    /// <summary>The next occurrence of <paramref name="entry"/> after what it has covered.</summary>
    public static DateTimeOffset? NextOccurrence(ScheduleEntry entry, ScheduleState state, DateTimeOffset now) =>
        entry.Cron.Next(state.Entries.GetValueOrDefault(entry.Key)?.CoveredUntil ?? now);

    /// <summary>Entries with an occurrence in (covered, now], in the order they run: full, diff, incr, dump, verifyRestore, expire.</summary>
    public static IReadOnlyList<ScheduleEntry> Due(ScheduleOptions schedule, ScheduleState state, DateTimeOffset now) =>
        schedule.Entries.Where(e => NextOccurrence(e, state, now) is { } next && next <= now).OrderBy(e => e.Task).ToList();

    /// <summary>When the loop should wake next: the earliest next occurrence of any entry (null: nothing will ever fire).</summary>
    public static DateTimeOffset? NextWake(ScheduleOptions schedule, ScheduleState state, DateTimeOffset now) =>
        schedule.Entries.Select(e => NextOccurrence(e, state, now)).Where(n => n is not null).Min();

    /// <summary>
    /// Entries a finished run of <paramref name="ran"/> makes unnecessary for now: a full backup covers a diff or incr due
    /// at the same time, a diff covers an incr (taking both would only copy the same changes twice).
    /// </summary>
    public static IEnumerable<ScheduleEntry> CoveredBy(ScheduleEntry ran, IEnumerable<ScheduleEntry> due) => ran.Task switch
    {
        ScheduledTask.Full => due.Where(e => e.Task is ScheduledTask.Diff or ScheduledTask.Incr),
        ScheduledTask.Diff => due.Where(e => e.Task is ScheduledTask.Incr),
        _ => [],
    };

    /// <summary>The next <paramref name="count"/> planned runs of an entry after <paramref name="now"/> (a missed one first, as "due now").</summary>
    public static IReadOnlyList<DateTimeOffset> Upcoming(ScheduleEntry entry, ScheduleState state, DateTimeOffset now, int count)
    {
        var result = new List<DateTimeOffset>();
        var next = NextOccurrence(entry, state, now);
        if (next is { } missed && missed <= now)
        {
            result.Add(now);
            next = entry.Cron.Next(now);
        }
        while (result.Count < count && next is { } n)
        {
            result.Add(n);
            next = entry.Cron.Next(n);
        }
        return result;
    }
}
