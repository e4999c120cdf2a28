using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Common;

namespace PgArk.Core.Scheduling;

/// <summary>
/// What the scheduler remembers per server between restarts (<c>servers/&lt;server&gt;/schedule-state.json</c> in the
/// server's first repository), keyed by schedule entry (<see cref="Configuration.ScheduleEntry.Key"/>).
/// </summary>
internal sealed record ScheduleState : IJsonFile<ScheduleState>
{
    static JsonTypeInfo<ScheduleState> IJsonFile<ScheduleState>.JsonInfo => SchedulingJsonContext.Default.ScheduleState;

    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public Dictionary<string, ScheduleEntryState> Entries { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>One entry's state.</summary>
/// <param name="CoveredUntil">
/// Occurrences up to this instant are dealt with (run, or before the scheduler first saw the entry). An occurrence after
/// it and at or before now was missed, and runs once.
/// </param>
internal sealed record ScheduleEntryState(DateTimeOffset CoveredUntil)
{
    public DateTimeOffset? LastStartedAt { get; init; }
    public DateTimeOffset? LastFinishedAt { get; init; }

    /// <summary>One of <see cref="Catalog.RunStatus"/>.</summary>
    public string? LastStatus { get; init; }

    public string? LastError { get; init; }

    /// <summary>Id of the backup or dump the last run made.</summary>
    public string? LastBackupId { get; init; }
}
