using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Notifications;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark notify test --channel NAME</c>: thin wiring over <see cref="NotificationTester"/>.</summary>
internal static class NotifyCommand
{
    public static Command Create(CommandFactory factory)
    {
        var channel = new Option<string>("--channel", "-c") { Description = "Name of the channel (notifications.channels[].name)", Required = true };
        var test = factory.Create("test", "Send a test message to one notification channel and wait for its answer", async (context, ct) =>
        {
            var result = await NotificationTester.TestAsync(context.LoadOperationContext(), context.ParseResult.GetValue(channel)!, TimeProvider.System, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
                return 0;
            }
            await context.Out.WriteLineAsync($"channel {result.Channel} ({result.Target}): test message delivered");
            return 0;
        }, channel);
        var notify = new Command("notify", "Notification channels (Slack, Teams, Discord, Telegram, e-mail)");
        notify.Subcommands.Add(test);
        return notify;
    }
}
