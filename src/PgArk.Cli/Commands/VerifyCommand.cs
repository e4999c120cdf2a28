using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;
using PgArk.Core.Operations;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark verify --server S [--backup ID]</c>: exit 5 listing every problem.</summary>
internal static class VerifyCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var repo = CommonOptions.Repository();
        var backup = new Option<string?>("--backup") { Description = "Only this backup (and the backups it depends on), or only this dump" };
        var jobs = CommonOptions.Jobs();
        return factory.Create("verify", "Read back every stored file and WAL segment: checksums, backup chains, WAL continuity", async (context, ct) =>
        {
            var p = context.ParseResult;
            var report = await ProgressRenderer.RunAsync(context, $"verify {p.GetValue(server)}", progress =>
                new VerifyOperation().RunAsync(context.LoadOperationContext(), new VerifyInput(p.GetValue(server)!, p.GetValue(backup), p.GetValue(jobs), p.GetValue(repo)), progress, ct));
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, report);
            }
            else
            {
                foreach (var problem in report.Problems)
                {
                    await context.Out.WriteLineAsync($"PROBLEM  {problem.Subject}: {problem.Problem}");
                }
                await context.Out.WriteLineAsync(
                    $"verified server '{report.Server}': {report.BackupsChecked} backups, {report.ObjectsChecked} stored files ({Output.Bytes(report.BytesChecked)}), " +
                    $"{report.WalFilesChecked} WAL files, {report.DumpsChecked} dumps: {(report.Ok ? "no problems" : $"{report.Problems.Count} problems")}");
            }
            if (!report.Ok)
            {
                await context.Error.WriteLineAsync($"pgark: verification of server '{report.Server}' found {report.Problems.Count} problems");
                return (int)ErrorKind.Integrity;
            }
            return 0;
        }, server, backup, jobs, repo);
    }
}
