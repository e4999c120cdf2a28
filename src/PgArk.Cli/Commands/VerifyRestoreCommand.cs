using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Operations;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark verify-restore --server S [--backup ID]</c>: test restore into a sandbox, start it, run checks.</summary>
internal static class VerifyRestoreCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var backup = new Option<string?>("--backup") { Description = "Backup id to test (default: the newest backup)" };
        var sandbox = new Option<string?>("--sandbox-dir") { Description = "Folder for the temporary sandbox (default: the system temp folder)" };
        return factory.Create("verify-restore", "Test restore into a sandbox cluster, start it, run amcheck and the configured checks", async (context, ct) =>
        {
            var p = context.ParseResult;
            var operationContext = context.LoadOperationContext();
            var input = new VerifyRestoreInput(p.GetValue(server)!, p.GetValue(backup), p.GetValue(sandbox));
            var record = await ProgressRenderer.RunAsync(context, $"verify-restore {input.Server}",
                progress => new VerifyRestoreOperation().RunAsync(operationContext, input, progress, ct));
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, record);
                return 0;
            }
            await context.Out.WriteLineAsync($"verify-restore of backup {record.BackupId} of server {record.Server}: passed");
            foreach (var check in record.Checks)
            {
                await context.Out.WriteLineAsync($"  ok  {check.Name}: {check.Detail}");
            }
            await context.Out.WriteLineAsync(
                $"  restore {record.RestoreSeconds:0.00} s, start and recovery {record.RecoverySeconds:0.00} s (RTO {record.RtoSeconds:0.00} s), checks {record.ChecksSeconds:0.00} s, total {record.TotalSeconds:0.00} s");
            return 0;
        }, server, backup, sandbox);
    }
}
