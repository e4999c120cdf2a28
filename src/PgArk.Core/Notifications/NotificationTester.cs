using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations;

namespace PgArk.Core.Notifications;

/// <summary>What <c>pgark notify test</c> reports.</summary>
public sealed record NotificationTestResult(string Channel, string Type, string Target, bool Delivered);

/// <summary><c>pgark notify test --channel NAME</c>: sends a test message to one channel, with retries, and waits for the answer.</summary>
internal static class NotificationTester
{
    /// <exception cref="NotFoundException">No channel of that name.</exception>
    /// <exception cref="OperationFailedException">The channel did not take the message (after retries for transient failures).</exception>
    public static async Task<NotificationTestResult> TestAsync(OperationContext context, string channelName, TimeProvider clock,
        CancellationToken cancellationToken, TimeSpan? firstRetryDelay = null)
    {
        var channels = context.Options.Notifications?.Channels ?? [];
        var channel = channels.FirstOrDefault(c => c.Name == channelName)
            ?? throw new NotFoundException($"no notification channel named '{channelName}'",
                channels.Count == 0 ? "add one under notifications.channels in pgark.yaml" : $"channels: {string.Join(", ", channels.Select(c => c.Name))}");
        var notification = new Notification(NotificationKind.Test, "PgArk: test notification",
            $"This is a test of notification channel '{channel.Name}' sent by pgark notify test. If you can read it, the channel works.",
            [new("Channel", channel.Name), new("Host", Environment.MachineName)], clock.GetUtcNow(), null);
        using var notifier = new ChannelNotifier(channels, context.CreateLogger("PgArk.Notifications"), firstRetryDelay, maxRetries: 2);
        var target = ChannelSender.Describe(channel);
        try
        {
            await notifier.SendAsync(channel, notification, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelDeliveryException ex)
        {
            throw new OperationFailedException($"channel '{channel.Name}' ({target}) did not take the test message: {ex.Message}");
        }
        return new NotificationTestResult(channel.Name, channel.Kind.ToString().ToLowerInvariant(), target, Delivered: true);
    }
}
