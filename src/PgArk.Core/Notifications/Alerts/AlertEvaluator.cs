using System.Globalization;
using PgArk.Core.Configuration;

namespace PgArk.Core.Notifications.Alerts;

internal enum AlertTransition
{
    /// <summary>The condition started to hold.</summary>
    Firing,

    /// <summary>Still holds, and the repeat interval since the last notification is up.</summary>
    Repeated,

    /// <summary>Held before, no longer holds.</summary>
    Resolved,
}

/// <summary>An alert that holds: since when, and when it was last sent.</summary>
internal sealed record ActiveAlert(string Server, AlertKind Kind, string Message, DateTimeOffset Since, DateTimeOffset LastSent);

/// <summary>Something to tell the channels about.</summary>
internal sealed record AlertEvent(AlertTransition Transition, string Server, AlertKind Kind, string Message, DateTimeOffset Since, DateTimeOffset At)
{
    public Notification ToNotification()
    {
        var name = AlertConditions.Name(Kind);
        var (kind, title) = Transition switch
        {
            AlertTransition.Firing => (NotificationKind.AlertFiring, $"PgArk alert: {name} on {Server}"),
            AlertTransition.Repeated => (NotificationKind.AlertRepeated, $"PgArk alert (still active): {name} on {Server}"),
            _ => (NotificationKind.AlertResolved, $"PgArk resolved: {name} on {Server}"),
        };
        var facts = new List<KeyValuePair<string, string>>
        {
            new("Server", Server),
            new("Alert", name),
            new("Active since", Since.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        };
        if (Transition != AlertTransition.Firing)
        {
            facts.Add(new("Active for", $"{(At - Since).TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min"));
        }
        return new Notification(kind, title, Message, facts, At, Server);
    }
}

/// <summary>
/// Turns the conditions that hold at each evaluation into alert events: an alert fires once when its condition starts to
/// hold, is sent again every <see cref="AlertOptions.RepeatEvery"/> while it holds, and resolves (with a message) when it
/// stops holding. Pure over its injected clock and the facts it is given; the state lives in memory, and
/// <see cref="Restore"/>/<see cref="StateOf"/> carry it across a restart (<see cref="AlertState"/>, kept in the repository).
/// </summary>
internal sealed class AlertEvaluator(AlertOptions options, TimeProvider clock)
{
    private readonly Dictionary<(string Server, AlertKind Kind), ActiveAlert> _active = [];
    private readonly Dictionary<string, long> _walLag = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>Completed WAL segments not yet archived, per server, as of the last evaluation that could tell (for /metrics).</summary>
    public IReadOnlyDictionary<string, long> WalLagSegments
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, long>(_walLag, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The alerts that hold, as of the last evaluation (for /metrics).</summary>
    public IReadOnlyList<ActiveAlert> Active
    {
        get
        {
            lock (_lock)
            {
                return [.. _active.Values.OrderBy(a => a.Server, StringComparer.Ordinal).ThenBy(a => a.Kind)];
            }
        }
    }

    /// <summary>
    /// Takes back a server's state as a previous process left it (alerts already announced stay quiet until their repeat
    /// interval); alerts this evaluator already knows for the server win, and unknown kinds are ignored.
    /// </summary>
    public void Restore(AlertState state)
    {
        lock (_lock)
        {
            foreach (var entry in state.Active)
            {
                if (AlertConditions.Parse(entry.Kind) is { } kind)
                {
                    _active.TryAdd((state.Server, kind), new ActiveAlert(state.Server, kind, entry.Message, entry.Since, entry.LastSent));
                }
            }
            if (state.WalLagSegments is { } lag)
            {
                _walLag.TryAdd(state.Server, lag);
            }
        }
    }

    /// <summary>What to keep of <paramref name="server"/>'s alerts, as of now.</summary>
    public AlertState StateOf(string server)
    {
        lock (_lock)
        {
            return new AlertState
            {
                Server = server,
                EvaluatedAt = clock.GetUtcNow(),
                WalLagSegments = _walLag.TryGetValue(server, out var lag) ? lag : null,
                Active = [.. _active.Values.Where(a => a.Server == server).OrderBy(a => a.Kind)
                    .Select(a => new AlertStateEntry(AlertConditions.Name(a.Kind), a.Message, a.Since, a.LastSent))],
            };
        }
    }

    /// <summary>
    /// Evaluates the servers whose facts could be read; servers missing from <paramref name="servers"/> keep their alerts
    /// as they were (an unreadable repository resolves nothing).
    /// </summary>
    public IReadOnlyList<AlertEvent> Evaluate(IEnumerable<ServerFacts> servers)
    {
        var now = clock.GetUtcNow();
        var events = new List<AlertEvent>();
        lock (_lock)
        {
            foreach (var facts in servers)
            {
                if (facts.WalLagSegments is { } lag)
                {
                    _walLag[facts.Server] = lag;
                }
                else
                {
                    _walLag.Remove(facts.Server);
                }
                var holding = AlertConditions.Evaluate(facts, options.For(facts.Server), now).ToDictionary(c => c.Kind);
                foreach (var (kind, condition) in holding)
                {
                    var key = (facts.Server, kind);
                    if (!_active.TryGetValue(key, out var active))
                    {
                        _active[key] = new ActiveAlert(facts.Server, kind, condition.Message, now, now);
                        events.Add(new AlertEvent(AlertTransition.Firing, facts.Server, kind, condition.Message, now, now));
                    }
                    else if (now - active.LastSent >= options.RepeatEvery)
                    {
                        _active[key] = active with { Message = condition.Message, LastSent = now };
                        events.Add(new AlertEvent(AlertTransition.Repeated, facts.Server, kind, condition.Message, active.Since, now));
                    }
                    else
                    {
                        _active[key] = active with { Message = condition.Message };
                    }
                }
                foreach (var gone in _active.Values.Where(a => a.Server == facts.Server && !holding.ContainsKey(a.Kind)).ToList())
                {
                    _active.Remove((gone.Server, gone.Kind));
                    events.Add(new AlertEvent(AlertTransition.Resolved, gone.Server, gone.Kind,
                        $"resolved: {AlertConditions.Name(gone.Kind)} no longer holds for server '{gone.Server}' (was: {gone.Message})", gone.Since, now));
                }
            }
        }
        return events;
    }
}
