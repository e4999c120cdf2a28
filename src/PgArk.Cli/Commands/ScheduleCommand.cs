using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Operations;
using Spectre.Console;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark schedule [--server S] [--count N]</c>: next planned runs per server (pgark serve runs them).</summary>
internal static class ScheduleCommand
{
    public static Command Create(CommandFactory factory)
    {
        var server = new Option<string?>("--server", "-s") { Description = "Only this server" };
        var count = new Option<int>("--count", "-n") { Description = "Upcoming runs listed per entry (1-50)", DefaultValueFactory = _ => 3 };
        return factory.Create("schedule", "Scheduled jobs per server: next planned runs, last run and outcome", async (context, ct) =>
        {
            var input = new ScheduleInput(context.ParseResult.GetValue(server), context.ParseResult.GetValue(count));
            var result = await new ScheduleOperation().RunAsync(context.LoadOperationContext(), input, null, ct);
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, result);
                return 0;
            }
            var console = Output.Console(context.Out);
            foreach (var s in result.Servers)
            {
                if (s.Entries.Count == 0)
                {
                    console.MarkupLine($"[bold]server {Markup.Escape(s.Server)}[/]: no schedule");
                    continue;
                }
                console.MarkupLine($"[bold]server {Markup.Escape(s.Server)}[/]  (cron times in {Markup.Escape(s.TimeZone)}; listed in UTC)");
                var table = new Table().Border(TableBorder.Simple);
                foreach (var column in new[] { "entry", "cron", "next runs", "last run", "outcome" })
                {
                    table.AddColumn(column);
                }
                foreach (var e in s.Entries)
                {
                    var next = string.Join("\n", e.NextRuns.Select(n => n <= result.Now ? "due now (missed)" : Output.Time(n)));
                    var outcome = e.LastStatus is null ? "" : e.LastStatus + (e.LastBackupId is { } id ? $" {id}" : "") + (e.LastError is { } err ? $": {err}" : "");
                    table.AddRow(Markup.Escape(e.Key), Markup.Escape(e.Cron), next, e.LastStartedAt is { } last ? Output.Time(last) : "never",
                        Markup.Escape(outcome));
                }
                console.Write(table);
            }
            return 0;
        }, server, count);
    }
}
