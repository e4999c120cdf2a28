using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;

namespace PgArk.Core.Scheduling;

/// <param name="Server">Only this server (default: every server).</param>
/// <param name="Count">How many upcoming runs to list per entry (1-50, default 3).</param>
public sealed record ScheduleInput(
    [property: Input(InputText.ServerOrAll)] string? Server = null,
    [property: Input("How many upcoming runs to list per schedule entry.", Aliases = ["-n"])] int Count = 3) : IServerInput;

/// <summary>One schedule entry: its next planned runs and how its last scheduled run went.</summary>
/// <param name="Key">Entry name: full, diff, incr, verifyRestore, expire, or dump:DATABASE:MODE.</param>
/// <param name="NextRuns">Upcoming runs (UTC); a run missed while the service was down is listed first, at the current time.</param>
public sealed record ScheduleEntryInfo(string Key, string Task, string Cron, string? Database, string? Mode, IReadOnlyList<DateTimeOffset> NextRuns,
    DateTimeOffset? LastStartedAt, DateTimeOffset? LastFinishedAt, string? LastStatus, string? LastError, string? LastBackupId);

public sealed record ServerScheduleInfo(string Server, string TimeZone, IReadOnlyList<ScheduleEntryInfo> Entries);

public sealed record ScheduleResult(DateTimeOffset Now, IReadOnlyList<ServerScheduleInfo> Servers);

/// <summary>Lists each server's schedule: next planned runs per entry, and the last scheduled run's outcome.</summary>
public sealed class ScheduleOperation(TimeProvider? clock = null) : Operation<ScheduleInput, ScheduleResult>
{
    public override string Name => "schedule";
    public override string Description => "List the scheduled jobs of each server (pgark serve runs them): next planned runs, last run and its outcome.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/schedule", "The configured schedules and their next runs");

    protected override async Task<ScheduleResult> ExecuteAsync(OperationContext context, ScheduleInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (input.Count is < 1 or > 50)
        {
            throw new UsageException($"count must be between 1 and 50 (got {input.Count})");
        }
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var servers = input.Server is { } name ? [context.GetServer(name)] : context.Options.Servers;
        var result = new List<ServerScheduleInfo>();
        foreach (var server in servers)
        {
            if (server.Schedule is not { } schedule)
            {
                result.Add(new ServerScheduleInfo(server.Name, "UTC", []));
                continue;
            }
            ScheduleState? saved;
            try
            {
                saved = await new ScheduleStateStore(context.PrimaryRepositoryFor(server), server.Name).LoadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is (PgArkException and not RepositoryRollbackException) or IOException)
            {
                // Unreadable state shows as a schedule that has not run yet; an older copy put back is reported (exit 5).
                saved = null;
            }
            // Without saved state the service has not run this schedule yet: nothing is missed, the next occurrences are planned.
            var state = SchedulePlanner.Start(schedule, saved, now);
            var entries = schedule.Entries.Select(e =>
            {
                var s = state.Entries[e.Key];
                return new ScheduleEntryInfo(e.Key, e.Task.ToString().ToLowerInvariant(), e.Cron.Text, e.Database,
                    e.Task == Configuration.ScheduledTask.Dump ? e.DumpMode.ToString().ToLowerInvariant() : null,
                    SchedulePlanner.Upcoming(e, state, now, input.Count), s.LastStartedAt, s.LastFinishedAt, s.LastStatus, s.LastError, s.LastBackupId);
            }).ToList();
            result.Add(new ServerScheduleInfo(server.Name, schedule.TimeZone.Id, entries));
        }
        return new ScheduleResult(now, result);
    }
}
