using PgArk.Core.Configuration;
using PgArk.Core.Logical;
using PgArk.Core.Scheduling;

namespace PgArk.Tests.Scheduling;

/// <summary>The scheduler's decisions, driven by a fake clock: what is due, catch-up after downtime, at most one run per entry.</summary>
public class SchedulePlannerTests
{
    private static readonly DateTimeOffset s_saturday = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static ScheduleEntry Entry(string key, ScheduledTask task, string cron) => new(key, task, CronExpression.Parse(cron));

    // Seed 000: incremental every 2 minutes, full weekly.
    private static readonly ScheduleOptions s_seed000 = new(TimeZoneInfo.Utc,
        [Entry("full", ScheduledTask.Full, "0 3 * * 0"), Entry("incr", ScheduledTask.Incr, "*/2 * * * *")]);

    /// <summary>Plays the scheduler's loop on a fake clock: every step, runs what is due (each run takes <paramref name="runTime"/>).</summary>
    private static List<(DateTimeOffset At, string Key)> Simulate(ScheduleOptions schedule, ScheduleState state, DateTimeOffset from, DateTimeOffset until,
        TimeSpan runTime)
    {
        var runs = new List<(DateTimeOffset, string)>();
        var now = from;
        while (now < until)
        {
            var due = SchedulePlanner.Due(schedule, state, now);
            if (due.Count == 0)
            {
                now = SchedulePlanner.NextWake(schedule, state, now) ?? until;
                continue;
            }
            var covered = new HashSet<string>();
            foreach (var entry in due.Where(e => !covered.Contains(e.Key)))
            {
                runs.Add((now, entry.Key));
                state.Entries[entry.Key] = new ScheduleEntryState(now);
                foreach (var lower in SchedulePlanner.CoveredBy(entry, due))
                {
                    covered.Add(lower.Key);
                    state.Entries[lower.Key] = new ScheduleEntryState(now);
                }
                now += runTime;
            }
        }
        return runs;
    }

    [Fact]
    public void Start_NoSavedState_NothingIsDueForThePast()
    {
        var state = SchedulePlanner.Start(s_seed000, null, s_saturday);

        Assert.Empty(SchedulePlanner.Due(s_seed000, state, s_saturday));
        Assert.Equal(s_saturday.AddMinutes(2), SchedulePlanner.NextWake(s_seed000, state, s_saturday));
    }

    [Fact]
    public void Due_AtOccurrence_RunsThatEntry()
    {
        var state = SchedulePlanner.Start(s_seed000, null, s_saturday);

        var due = SchedulePlanner.Due(s_seed000, state, s_saturday.AddMinutes(2));

        Assert.Equal(["incr"], due.Select(e => e.Key));
    }

    [Fact]
    public void Due_MissedManyOccurrencesWhileDown_CatchesUpOnceEach()
    {
        // The service ran until Saturday noon, then was down until Monday 08:00: it missed Sunday's full and ~600 incrementals.
        var saved = new ScheduleState
        {
            Entries = { ["full"] = new ScheduleEntryState(s_saturday), ["incr"] = new ScheduleEntryState(s_saturday) },
        };
        var monday = new DateTimeOffset(2026, 11, 23, 8, 0, 30, TimeSpan.Zero);
        var state = SchedulePlanner.Start(s_seed000, saved, monday);

        var runs = Simulate(s_seed000, state, monday, monday.AddSeconds(60), TimeSpan.FromSeconds(1));

        // The full runs first and covers the incremental that was due with it: one catch-up run in all.
        Assert.Equal([(monday, "full")], runs);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 2, 0, TimeSpan.Zero), SchedulePlanner.NextWake(s_seed000, state, monday.AddSeconds(60)));
    }

    [Fact]
    public void Due_NewEntryAddedToSavedSchedule_StartsFromNow()
    {
        var saved = new ScheduleState { Entries = { ["full"] = new ScheduleEntryState(s_saturday.AddDays(-30)) } };
        var schedule = s_seed000 with { Entries = [.. s_seed000.Entries, Entry("expire", ScheduledTask.Expire, "0 5 * * *")] };

        var state = SchedulePlanner.Start(schedule, saved, s_saturday);

        Assert.Equal(["full"], SchedulePlanner.Due(schedule, state, s_saturday).Select(e => e.Key));
        Assert.Equal(s_saturday, state.Entries["expire"].CoveredUntil);
    }

    [Fact]
    public void Simulate_RunsLongerThanInterval_NeverOverlapAndQueueOnce()
    {
        // Each incremental takes 5 minutes while one is due every 2: they run back to back, never two at once, never a backlog.
        var state = SchedulePlanner.Start(s_seed000, null, s_saturday);

        var runs = Simulate(s_seed000, state, s_saturday, s_saturday.AddMinutes(30), TimeSpan.FromMinutes(5));

        Assert.All(runs, r => Assert.Equal("incr", r.Key));
        Assert.Equal([2, 7, 12, 17, 22, 27], runs.Select(r => (int)(r.At - s_saturday).TotalMinutes));
    }

    [Fact]
    public void Simulate_OneWeek_Seed000FiresExpectedCounts()
    {
        var state = SchedulePlanner.Start(s_seed000, null, s_saturday);

        var runs = Simulate(s_seed000, state, s_saturday, s_saturday.AddDays(7), TimeSpan.Zero);

        Assert.Equal([(new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.Zero), "full")], runs.Where(r => r.Key == "full"));
        // 7 days of every-2-minutes, less the one the Sunday full covered; the occurrence at exactly +7 days is outside the window.
        Assert.Equal(7 * 24 * 30 - 1 - 1, runs.Count(r => r.Key == "incr"));
        Assert.Equal(runs.Count, runs.Select(r => r.At).Distinct().Count());
    }

    [Fact]
    public void Due_SameTime_RunsInTaskOrder()
    {
        var schedule = new ScheduleOptions(TimeZoneInfo.Utc,
        [
            Entry("expire", ScheduledTask.Expire, "0 2 * * *"),
            new ScheduleEntry("dump:app:schema", ScheduledTask.Dump, CronExpression.Parse("0 2 * * *"), "app", DumpMode.Schema),
            Entry("verifyRestore", ScheduledTask.VerifyRestore, "0 2 * * *"),
            Entry("diff", ScheduledTask.Diff, "0 2 * * *"),
        ]);
        var state = SchedulePlanner.Start(schedule, null, s_saturday);

        var due = SchedulePlanner.Due(schedule, state, s_saturday.AddHours(14));

        Assert.Equal(["diff", "dump:app:schema", "verifyRestore", "expire"], due.Select(e => e.Key));
    }

    [Fact]
    public void Upcoming_MissedRunListedFirstAsNow()
    {
        var saved = new ScheduleState { Entries = { ["full"] = new ScheduleEntryState(s_saturday.AddDays(-8)), ["incr"] = new ScheduleEntryState(s_saturday) } };
        var state = SchedulePlanner.Start(s_seed000, saved, s_saturday);

        Assert.Equal([s_saturday, new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero)],
            SchedulePlanner.Upcoming(s_seed000.Entries[0], state, s_saturday, 3));
    }
}
