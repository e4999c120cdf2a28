using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;

namespace PgArk.Core.Notifications;

public enum NotificationKind
{
    RunSucceeded,
    RunFailed,

    /// <summary>An alert started to hold.</summary>
    AlertFiring,

    /// <summary>An alert still holds when its repeat interval is up.</summary>
    AlertRepeated,

    AlertResolved,

    /// <summary>Sent by <c>pgark notify test</c>.</summary>
    Test,
}

/// <summary>
/// What a channel tells its people, independent of any service's format: a title, a sentence, and facts as name/value
/// pairs. Each channel renders it in the payload its service documents.
/// </summary>
public sealed record Notification(NotificationKind Kind, string Title, string Text, IReadOnlyList<KeyValuePair<string, string>> Facts,
    DateTimeOffset Timestamp, string? Server)
{
    /// <summary>The <c>on:</c> event a channel must list to receive this notification (a test goes to the channel asked for).</summary>
    public NotificationEvents Event => Kind switch
    {
        NotificationKind.RunSucceeded => NotificationEvents.Success,
        NotificationKind.RunFailed => NotificationEvents.Failure,
        NotificationKind.AlertFiring or NotificationKind.AlertRepeated => NotificationEvents.Alert,
        NotificationKind.AlertResolved => NotificationEvents.Resolved,
        _ => NotificationEvents.None,
    };

    /// <summary>True for news that needs someone to act (a failure, an alert holding).</summary>
    public bool IsProblem => Kind is NotificationKind.RunFailed or NotificationKind.AlertFiring or NotificationKind.AlertRepeated;

    /// <summary>Title, text and facts as plain text lines (Telegram, e-mail).</summary>
    public string PlainText(bool withTitle) =>
        string.Join("\n", (withTitle ? new[] { Title, "" } : []).Concat([Text]).Concat(Facts.Count > 0 ? [""] : [])
            .Concat(Facts.Select(f => $"{f.Key}: {f.Value}")));

    /// <summary>The notification of a finished operation run (success or failure; skipped and cancelled runs are not announced).</summary>
    public static Notification? FromRun(OperationRunRecord run)
    {
        var kind = run.Status switch
        {
            RunStatus.Success => NotificationKind.RunSucceeded,
            RunStatus.Failure => NotificationKind.RunFailed,
            _ => (NotificationKind?)null,
        };
        if (kind is null)
        {
            return null;
        }
        var message = WebhookPayload.Build(run)["message"]!.GetValue<string>();
        var facts = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                facts.Add(new(name, value));
            }
        }
        Add("Server", run.Server);
        Add("Database", run.Database);
        Add("Operation", run.Operation);
        Add("Type", run.Type);
        Add("Backup", run.BackupId);
        Add("Duration", run.DurationSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s");
        Add("Size", run.SizeBytes is { } size ? size.ToString(CultureInfo.InvariantCulture) + " bytes" : null);
        Add("Error", run.Error);
        Add("Host", run.Host);
        var title = kind == NotificationKind.RunSucceeded ? $"PgArk: {run.Operation} succeeded" : $"PgArk: {run.Operation} failed";
        return new Notification(kind.Value, title, message, facts, run.FinishedAt, run.Server);
    }
}
