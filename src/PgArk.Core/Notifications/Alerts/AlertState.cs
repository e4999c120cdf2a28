using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Catalog;
using PgArk.Core.Common;

namespace PgArk.Core.Notifications.Alerts;

/// <summary>
/// The alerts that held for a server at <c>pgark serve</c>'s last evaluation, stored as
/// <c>servers/&lt;server&gt;/alerts-state.json</c> in its first repository: a restarted service carries on (an alert that
/// still holds is not announced again before its repeat interval), and <c>list_alerts</c> (dashboard, CLI) reads it.
/// </summary>
internal sealed record AlertState : IJsonFile<AlertState>
{
    static JsonTypeInfo<AlertState> IJsonFile<AlertState>.JsonInfo => NotificationsJsonContext.Default.AlertState;

    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Server { get; init; }

    /// <summary>When the evaluation that last changed this state ran.</summary>
    public required DateTimeOffset EvaluatedAt { get; init; }

    /// <summary>Completed WAL segments not yet in the repository, or null when it could not be told.</summary>
    public long? WalLagSegments { get; init; }

    public required IReadOnlyList<AlertStateEntry> Active { get; init; }

    /// <summary>Same alerts, messages, send times and lag (the evaluation time aside).</summary>
    public bool SameAs(AlertState? other) => other is not null && other.Server == Server && other.WalLagSegments == WalLagSegments
        && other.Active.SequenceEqual(Active);
}

/// <param name="Kind">The alert's snake_case name (<see cref="AlertConditions.Name"/>).</param>
internal sealed record AlertStateEntry(string Kind, string Message, DateTimeOffset Since, DateTimeOffset LastSent);

/// <summary>Reads and writes a server's <see cref="AlertState"/> in a repository.</summary>
internal sealed class AlertStateStore(Repository repository, string server)
{
    public static string PathOf(string server) => $"{RepositoryLayout.ServerFolder(server)}/alerts-state.json";

    public Task<AlertState?> LoadAsync(CancellationToken cancellationToken) => repository.ReadJsonAsync<AlertState>(PathOf(server), cancellationToken);

    public Task SaveAsync(AlertState state, CancellationToken cancellationToken) => repository.WriteJsonAsync(PathOf(server), state, cancellationToken);
}
