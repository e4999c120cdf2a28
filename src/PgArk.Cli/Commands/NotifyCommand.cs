using System.CommandLine;
using PgArk.Core.Operations.Registry;

namespace PgArk.Cli.Commands;

/// <summary>
/// <c>pgark notify test --channel NAME</c>: the registry's notify_test as the subcommand <c>test</c> of <c>notify</c>, generated
/// like every other operation's command (options, run, output; its text renderer is in <see cref="Rendering.TextRenderers"/>).
/// </summary>
internal static class NotifyCommand
{
    public static Command Create(CommandFactory factory, OperationRegistry registry, Func<RegisteredOperation, bool> inFull)
    {
        var notify = new Command("notify", "Notification channels (Slack, Teams, Discord, Telegram, e-mail)");
        var test = registry.Get("notify_test");
        notify.Subcommands.Add(inFull(test)
            ? OperationCommands.Create(factory, registry, test, "test")
            : OperationCommands.Outline(test, "test"));
        return notify;
    }
}
