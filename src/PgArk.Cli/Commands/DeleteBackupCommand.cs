using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Operations;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark delete-backup --server S --backup ID --yes</c>: one physical backup or logical dump.</summary>
internal static class DeleteBackupCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var backup = new Option<string>("--backup") { Description = "Backup id (e.g. 20261121-103000F) or dump id (20261121-103000L)", Required = true };
        var yes = new Option<bool>("--yes", "-y") { Description = "Confirm the deletion" };
        return factory.Create("delete-backup", "Delete one backup or logical dump (a backup others depend on is refused)", async (context, ct) =>
        {
            var p = context.ParseResult;
            var r = await new DeleteBackupOperation().RunAsync(context.LoadOperationContext(), new DeleteBackupInput(p.GetValue(server)!, p.GetValue(backup)!,
                p.GetValue(yes)), null, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, r);
            }
            else
            {
                await context.Out.WriteLineAsync($"deleted {(r.Kind == "dump" ? $"dump {r.BackupId} of database '{r.Database}'" : $"backup {r.BackupId}")}" +
                    $" of server '{r.Server}' ({Output.Bytes(r.FreedBytes)} freed)");
            }
            return 0;
        }, server, backup, yes);
    }
}
