namespace PgArk.Core.Configuration;

/// <summary>
/// How much a repository keeps (YAML <c>repositories[].retention</c>). Every value is optional and, when set, a
/// positive integer; <see langword="null"/> means "keep everything of that kind". docs/configuration.md states the exact
/// semantics that <see cref="Retention.RetentionPlanner"/> implements.
/// </summary>
/// <param name="Full">Number of newest full physical backups to keep (each with everything that depends on it).</param>
/// <param name="Diff">Number of newest differential backups to keep (in the whole repository area of the server).</param>
/// <param name="ArchiveDays">
/// Additionally keep every WAL file archived within the last this-many days, even when it is older than the oldest kept
/// backup. WAL a kept backup needs is never removed regardless.
/// </param>
/// <param name="LogicalDays">Days to keep logical dumps (<c>pgark dump</c>).</param>
/// <param name="Daily">Grandfather-father-son: keep the newest full backup of each of the last this-many UTC days that have one.</param>
/// <param name="Weekly">Keep the newest full backup of each of the last this-many ISO weeks (Monday to Sunday, UTC) that have one.</param>
/// <param name="Monthly">Keep the newest full backup of each of the last this-many calendar months (UTC) that have one.</param>
public sealed record RetentionOptions(int? Full, int? Diff, int? ArchiveDays, int? LogicalDays, int? Daily = null, int? Weekly = null,
    int? Monthly = null)
{
    /// <summary>Keep the this-many newest logical dumps of each database (YAML <c>logicalKeep</c>); with <see cref="LogicalDays"/>
    /// a dump is kept when either keeps it.</summary>
    public int? LogicalKeep { get; init; }

    /// <summary>Keep everything: no retention configured.</summary>
    public static RetentionOptions KeepAll { get; } = new(null, null, null, null);

    /// <summary>True when any grandfather-father-son count is set.</summary>
    public bool HasCalendarRules => Daily is not null || Weekly is not null || Monthly is not null;

    /// <summary>True when full backups expire at all (<see cref="Full"/> or a calendar rule is set).</summary>
    public bool ExpiresFullBackups => Full is not null || HasCalendarRules;
}
