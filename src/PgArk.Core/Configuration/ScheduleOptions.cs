
namespace PgArk.Core.Configuration;

/// <summary>What a schedule entry runs, in the order entries due at the same time run (a full first, expire last).</summary>
public enum ScheduledTask
{
    Full,
    Diff,
    Incr,
    Dump,
    VerifyRestore,
    Expire,
}

/// <summary>One scheduled job of a server (<c>servers[].schedule</c>).</summary>
/// <param name="Key">Stable name of the entry: <c>full</c>, <c>incr</c>, ..., <c>dump:DATABASE:MODE</c>; the scheduler's state is kept per key.</param>
/// <param name="Database">The database of a dump; null otherwise.</param>
public sealed record ScheduleEntry(string Key, ScheduledTask Task, CronExpression Cron, string? Database = null, DumpMode DumpMode = DumpMode.Full);

/// <summary>A server's schedule: cron entries evaluated in <paramref name="TimeZone"/> (default UTC).</summary>
public sealed record ScheduleOptions(TimeZoneInfo TimeZone, IReadOnlyList<ScheduleEntry> Entries);
