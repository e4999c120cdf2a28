using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Notifications.Alerts;

namespace PgArk.Core.Operations;

public sealed record ListAlertsInput(
    [property: Input(InputText.ServerOrAll)] string? Server = null) : IServerInput;

/// <summary>An alert that holds.</summary>
/// <param name="Kind">backup_failed, no_recent_backup, backup_size_change, slow_restore, validation_failed, wal_archive_lag or schedule_missed.</param>
/// <param name="LastSent">When the channels were last told (it repeats every notifications.alerts.repeatEveryMinutes while it holds).</param>
public sealed record AlertSummary(string Server, string Kind, string Message, DateTimeOffset Since, DateTimeOffset LastSent);

/// <summary>What the alerts know of one server.</summary>
/// <param name="EvaluatedAt">When pgark serve last changed this server's alert state; null when it never evaluated it.</param>
/// <param name="WalLagSegments">Completed WAL segments not yet in the repository, as of that evaluation (null: unknown).</param>
/// <param name="Problem">Why the state could not be read, else null.</param>
public sealed record ServerAlertState(string Server, DateTimeOffset? EvaluatedAt, long? WalLagSegments, int Active, string? Problem);

public sealed record ListAlertsResult(IReadOnlyList<AlertSummary> Alerts, IReadOnlyList<ServerAlertState> Servers);

/// <summary>
/// The alerts that hold, as <c>pgark serve</c> last evaluated them (it keeps their state in each server's repository);
/// nothing is evaluated here, so a server no service watches has no state.
/// </summary>
public sealed class ListAlertsOperation : Operation<ListAlertsInput, ListAlertsResult>
{
    public override string Name => "list_alerts";
    public override string Description => "List the alerts that hold (failed backup, no recent backup, size change, slow restore, failed validation, WAL archive lag, missed schedule) as pgark serve last evaluated them, with the WAL archive lag per server.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/alerts", "Alerts that hold and the WAL archive lag per server, as pgark serve last evaluated them");

    protected override async Task<ListAlertsResult> ExecuteAsync(OperationContext context, ListAlertsInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var servers = input.Server is null ? context.Options.Servers : [context.GetServer(input.Server)];
        var alerts = new List<AlertSummary>();
        var states = new List<ServerAlertState>();
        foreach (var server in servers)
        {
            try
            {
                var state = await new AlertStateStore(context.PrimaryRepositoryFor(server), server.Name).LoadAsync(cancellationToken).ConfigureAwait(false);
                var active = state?.Active ?? [];
                alerts.AddRange(active.Select(a => new AlertSummary(server.Name, a.Kind, a.Message, a.Since, a.LastSent)));
                states.Add(new ServerAlertState(server.Name, state?.EvaluatedAt, state?.WalLagSegments, active.Count, null));
            }
            catch (Exception ex) when (ex is PgArkException { Kind: not ErrorKind.Usage } or IOException)
            {
                states.Add(new ServerAlertState(server.Name, null, null, 0, ex.Message));
            }
        }
        return new ListAlertsResult(alerts, states);
    }
}
