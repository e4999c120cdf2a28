using System.CommandLine;
using PgArk.Cli.Commands;
using PgArk.Core.Errors;

namespace PgArk.Cli;

/// <summary>Builds the command tree (DESIGN.md's command-line contract) and runs it.</summary>
internal static class PgArkCommandLine
{
    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("PgArk: PostgreSQL backup, restore and point-in-time recovery");
        root.Options.Add(GlobalOptions.Config);
        root.Options.Add(GlobalOptions.Output);
        root.Options.Add(GlobalOptions.LogLevel);
        var factory = new CommandFactory(stdout, stderr);
        root.Subcommands.Add(QuickstartCommand.Create(factory));
        root.Subcommands.Add(SetupCommands.CreateInit(factory));
        root.Subcommands.Add(SetupCommands.CreateCheck(factory));
        root.Subcommands.Add(BackupCommand.Create(factory));
        root.Subcommands.Add(InfoCommand.Create(factory));
        root.Subcommands.Add(RestoreCommand.Create(factory));
        root.Subcommands.Add(RestoreDatabaseCommand.Create(factory));
        root.Subcommands.Add(RestoreTableCommand.Create(factory));
        root.Subcommands.Add(VerifyCommand.Create(factory));
        root.Subcommands.Add(ArchiveCommands.CreatePush(factory));
        root.Subcommands.Add(ArchiveCommands.CreateGet(factory));
        root.Subcommands.Add(ExpireCommand.Create(factory));
        root.Subcommands.Add(VerifyRestoreCommand.Create(factory));
        foreach (var command in DumpCommands.Create(factory))
        {
            root.Subcommands.Add(command);
        }
        root.Subcommands.Add(ExportImportCommands.CreateExport(factory));
        root.Subcommands.Add(ExportImportCommands.CreateImport(factory));
        root.Subcommands.Add(ServerCommands.CreateServe(factory));
        root.Subcommands.Add(ServerCommands.CreateMcp(factory));
        root.Subcommands.Add(ServerCommands.CreateKey(factory));
        root.Subcommands.Add(AskCommand.Create(factory));
        root.Subcommands.Add(ScheduleCommand.Create(factory));
        root.Subcommands.Add(NotifyCommand.Create(factory));
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var root = Build(stdout, stderr);
        var parseResult = root.Parse(args);
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
