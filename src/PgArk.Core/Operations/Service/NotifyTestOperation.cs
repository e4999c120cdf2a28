using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Notifications;

namespace PgArk.Core.Operations;

public sealed record NotifyTestInput(
    [property: Input("Name of the channel (notifications.channels[].name).", Aliases = ["-c"])] string Channel);

/// <summary>
/// <c>pgark notify test --channel NAME</c> (REST and MCP: notify_test): sends a test message to one notification channel,
/// with retries, and waits for its answer (see <see cref="NotificationTester"/>). A test is not a run worth recording.
/// </summary>
public sealed class NotifyTestOperation : Operation<NotifyTestInput, NotificationTestResult>
{
    public override string Name => "notify_test";
    public override string Description =>
        "Send a test message to one notification channel (Slack, Teams, Discord, Telegram, e-mail) and wait for its answer.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool RecordsRuns => false;
    public override OperationRoute Route =>
        new("POST", "/api/notifications/{channel}/test", "Send a test message to one notification channel");

    protected override Task<NotificationTestResult> ExecuteAsync(OperationContext context, NotifyTestInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken) =>
        NotificationTester.TestAsync(context, input.Channel, TimeProvider.System, cancellationToken);
}
