using System.CommandLine;
using PgArk.Cli.Commands;
using PgArk.Core.Errors;

namespace PgArk.Cli;

/// <summary>Builds the command tree (DESIGN.md's command-line contract) and runs it.</summary>
internal static class PgArkCommandLine
{
    /// <summary>The whole tree, every generated command with its options (tests and help walk it).</summary>
    public static RootCommand Build(TextWriter stdout, TextWriter stderr) => Build(stdout, stderr, _ => true);

    /// <param name="generatedInFull">
    /// null: hand-written commands only (no registry, no schemas: archive-push runs once per WAL segment and must start
    /// fast); else the generated commands too, with options only for those it selects (the others are name and
    /// description, enough for the root help).
    /// </param>
    private static RootCommand Build(TextWriter stdout, TextWriter stderr, Func<Core.Operations.Registry.RegisteredOperation, bool>? generatedInFull)
    {
        var root = new RootCommand("PgArk: PostgreSQL backup, restore and point-in-time recovery");
        root.Options.Add(GlobalOptions.Config);
        root.Options.Add(GlobalOptions.Output);
        root.Options.Add(GlobalOptions.LogLevel);
        var factory = new CommandFactory(stdout, stderr);
        root.Subcommands.Add(QuickstartCommand.Create(factory));
        root.Subcommands.Add(ArchiveCommands.CreatePush(factory));
        root.Subcommands.Add(ArchiveCommands.CreateGet(factory));
        root.Subcommands.Add(ArchiveCommands.CreatePusher(factory));
        root.Subcommands.Add(ServerCommands.CreateServe(factory));
        root.Subcommands.Add(ServerCommands.CreateMcp(factory));
        root.Subcommands.Add(ServerCommands.CreateKey(factory));
        root.Subcommands.Add(AskCommand.Create(factory));
        if (generatedInFull is null)
        {
            return root;
        }
        var registry = Core.Operations.Registry.OperationRegistry.Default;
        root.Subcommands.Add(NotifyCommand.Create(factory, registry, generatedInFull));
        // Every registry operation without a hand-written command gets a generated one (same path as REST and MCP); a
        // subcommand covers the operation its path names (notify test: notify_test).
        var taken = root.Subcommands.SelectMany(c => c.Aliases.Append(c.Name).Concat(c.Subcommands.Select(s => $"{c.Name}-{s.Name}")))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var command in OperationCommands.CreateMissing(factory, registry, taken, generatedInFull))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var root = Build(stdout, stderr, null);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0 || parseResult.CommandResult.Command == root)
        {
            // Not a hand-written command (or the root help): add the generated ones, in full only the one named.
            root = Build(stdout, stderr, operation => OperationCommands.IsNamedIn(operation, args));
            parseResult = root.Parse(args);
        }
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await stderr.WriteLineAsync($"pgark: {error.Message}");
            }
            await stderr.WriteLineAsync("hint: run 'pgark --help' or 'pgark <command> --help'");
            return (int)ErrorKind.Usage;
        }
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }
}

/// <summary>Creates commands whose action receives a <see cref="CliContext"/>; the one place a command's context is built.</summary>
internal sealed class CommandFactory(TextWriter stdout, TextWriter stderr)
{
    public Command Create(string name, string description, Func<CliContext, CancellationToken, Task<int>> action, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option:
                    command.Options.Add(option);
                    break;
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
            }
        }
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var context = new CliContext(parseResult, stdout, stderr);
            try
            {
                return await action(context, cancellationToken);
            }
            finally
            {
                await context.FlushNotificationsAsync();
            }
        });
        return command;
    }
}
