using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Operations;

namespace PgArk.Cli.Commands;

/// <summary>Logical dumps: dump-restore (dump, verify-dump, verify-dump-restore, delete-dump, dumps, expire-dumps are generated).</summary>
internal static class DumpCommands
{
    private static Option<string[]> Tables() => new("--table", "-t") { Description = "Only this table (schema.table or table); repeat for more", AllowMultipleArgumentsPerToken = false };

    private static Option<string> Database() => new("--database", "-d") { Description = "Database name", Required = true };

    private static Option<bool> Yes() => new("--yes", "-y") { Description = "Confirm a destructive action" };

    private static Option<string?> DumpIdOption(string description) => new("--dump") { Description = description };

    public static IEnumerable<Command> Create(CommandFactory factory) =>
        [CreateRestore(factory)];

    private static Command CreateRestore(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var database = Database();
        var dump = DumpIdOption("Dump id (default: the newest dump of the database)");
        var into = new Option<string?>("--into") { Description = "Restore into this database instead" };
        var create = new Option<bool>("--create") { Description = "Drop and recreate the target database first (needs --yes)" };
        var tables = Tables();
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel pg_restore workers (the dump is first copied to $TMPDIR)" };
        var yes = Yes();
        return factory.Create("dump-restore", "Restore a logical dump, whole or chosen tables", async (context, ct) =>
        {
            var p = context.ParseResult;
            var operationContext = context.LoadOperationContext();
            var input = new DumpRestoreInput(p.GetValue(server)!, p.GetValue(database)!, p.GetValue(dump), p.GetValue(into), p.GetValue(create), p.GetValue(tables),
                p.GetValue(jobs), p.GetValue(yes));
            var operation = new DumpRestoreOperation();
            var r = await ProgressRenderer.RunAsync(context, $"dump-restore {input.Database}", progress => operation.RunAsync(operationContext, input, progress, ct));
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, r);
            }
            else
            {
                await context.Out.WriteLineAsync($"restored dump {r.DumpId} of '{r.SourceDatabase}' into '{r.TargetDatabase}' in {r.DurationSeconds:0.00} s");
                await TextRenderers.RowCountsAsync(context.Out, r.RowCounts);
                foreach (var item in r.Skipped)
                {
                    await context.Out.WriteLineAsync($"  not restored: {item}");
                }
                if (r.AlembicRevision is not null || r.ExpectedAlembicRevision is not null)
                {
                    await context.Out.WriteLineAsync($"  alembic revision: {r.AlembicRevision ?? "none"} (dump: {r.ExpectedAlembicRevision ?? "none"}){(r.AlembicMatches ? "" : "  MISMATCH")}");
                }
            }
            // The verdict is the operation's: REST and MCP fail the same run the same way.
            var verdict = operation.Verdict(r);
            return verdict.Failed ? throw new IntegrityException(verdict.Failure!) : 0;
        }, server, database, dump, into, create, tables, jobs, yes);
    }
}
