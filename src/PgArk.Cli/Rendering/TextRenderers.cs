using System.Globalization;
using System.Text.Json.Nodes;
using PgArk.Core.Notifications;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.Core.Scheduling;
using PgArk.Core.Verification;
using Spectre.Console;

namespace PgArk.Cli.Rendering;

/// <summary>
/// Text output of registry-generated commands: a renderer for the result's type when one is registered here (tables,
/// wording), else a generic rendering of the JSON result: scalars as "name: value", lists of objects as tables.
/// </summary>
internal static partial class TextRenderers
{
    private static readonly Dictionary<Type, Func<CliContext, object, Task>> s_renderers = new()
    {
        [typeof(ListDumpsResult)] = (context, result) => DumpListAsync(context.Out, (ListDumpsResult)result),
        [typeof(NotificationTestResult)] = (context, result) => context.Out.WriteLineAsync(
            $"channel {((NotificationTestResult)result).Channel} ({((NotificationTestResult)result).Target}): test message delivered"),
        [typeof(DeleteDumpResult)] = (context, result) => context.Out.WriteLineAsync(
            $"deleted dump {((DeleteDumpResult)result).Dump} of database '{((DeleteDumpResult)result).Database}'"),
        [typeof(DeleteBackupResult)] = (context, result) => DeletedBackupAsync(context.Out, (DeleteBackupResult)result),
        [typeof(VerifyDumpResult)] = (context, result) => VerifiedDumpsAsync(context.Out, (VerifyDumpResult)result),
        [typeof(InitResult)] = (context, result) => InitialisedAsync(context.Out, (InitResult)result),
        [typeof(CheckResult)] = (context, result) => CheckedAsync(context.Out, (CheckResult)result),
        [typeof(ScheduleResult)] = (context, result) => ScheduleAsync(context.Out, (ScheduleResult)result),
        [typeof(VerifyReport)] = (context, result) => VerifiedAsync(context.Out, (VerifyReport)result),
        [typeof(BackupStoreResult)] = (context, result) => StoreBackupAsync(context.Out, (BackupStoreResult)result),
        [typeof(VerifyStoreResult)] = (context, result) => VerifiedStoreAsync(context.Out, (VerifyStoreResult)result),
        [typeof(InfoResult)] = (context, result) => InfoAsync(context.Out, (InfoResult)result),
        [typeof(Core.Logical.DumpManifest)] = (context, result) => DumpedAsync(context.Out, (Core.Logical.DumpManifest)result),
        [typeof(VerifyDumpRestoreResult)] = (context, result) => VerifiedDumpRestoreAsync(context.Out, (VerifyDumpRestoreResult)result),
        [typeof(Core.Logical.DumpRestoreResult)] = (context, result) => RestoredDumpAsync(context.Out, (Core.Logical.DumpRestoreResult)result),
        [typeof(Core.Restore.RestoreResult)] = (context, result) => RestoredAsync(context.Out, (Core.Restore.RestoreResult)result),
        [typeof(Core.Restore.DatabaseRestoreResult)] = (context, result) =>
            RestoredDatabaseAsync(context.Out, (Core.Restore.DatabaseRestoreResult)result),
        [typeof(Core.Restore.TableRestoreResult)] = (context, result) =>
            RestoredTablesAsync(context.Out, (Core.Restore.TableRestoreResult)result),
        [typeof(ExpireResult)] = (context, result) => ExpiredAsync(context.Out, (ExpireResult)result),
        [typeof(ExpireDumpsResult)] = (context, result) => ExpiredDumpsAsync(context.Out, (ExpireDumpsResult)result),
        [typeof(Core.Physical.BackupResult)] = (context, result) => BackedUpAsync(context, (Core.Physical.BackupResult)result),
        [typeof(Core.Catalog.VerifyRestoreRecord)] = (context, result) => VerifiedRestoreAsync(context.Out, (Core.Catalog.VerifyRestoreRecord)result),
        [typeof(ExportTableResult)] = (context, result) => ExportedAsync(context.Out, (ExportTableResult)result),
        [typeof(Core.Logical.ImportResult)] = (context, result) => ImportedAsync(context.Out, (Core.Logical.ImportResult)result),
    };

    private static async Task StoreBackupAsync(TextWriter output, BackupStoreResult r)
    {
        var b = r.Backup;
        await output.WriteLineAsync($"{b.Kind} store '{b.Store}': backup {b.Id} in repository '{r.Repository}', " +
            $"{Output.Bytes(b.Size)} ({Output.Bytes(b.StoredSize)} stored)");
        foreach (var item in b.Items)
        {
            var counts = string.Join(", ", item.Counts.Where(c => !c.Key.Contains(':', StringComparison.Ordinal) || item.Counts.Count <= 4)
                .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
            await output.WriteLineAsync($"  {item.Name,-24} {Output.Bytes(item.Size),10}  sha256 {item.Sha256[..16]}…{(counts.Length > 0 ? $"  {counts}" : "")}");
        }
        foreach (var note in b.Notes)
        {
            await output.WriteLineAsync($"note: {note}");
        }
        foreach (var id in r.Expired)
        {
            await output.WriteLineAsync($"expired backup {id} (stores[].retention)");
        }
    }

    private static async Task VerifiedStoreAsync(TextWriter output, VerifyStoreResult r)
    {
        foreach (var problem in r.Problems)
        {
            await output.WriteLineAsync($"problem: {problem}");
        }
        await output.WriteLineAsync(
            $"verified {r.Backups.Count} backup(s) of store '{r.Store}': {(r.Problems.Count == 0 ? "ok" : $"{r.Problems.Count} problem(s)")}");
    }

    public static Task RenderAsync(CliContext context, OperationInvocation invocation) =>
        invocation.Value is { } value && s_renderers.TryGetValue(value.GetType(), out var render)
            ? render(context, value)
            : RenderGenericAsync(context, invocation.Result);

    private static async Task DumpListAsync(TextWriter output, ListDumpsResult r)
    {
        if (r.Dumps.Count == 0)
        {
            await output.WriteLineAsync($"server '{r.Server}': no dumps");
        }
        foreach (var d in r.Dumps)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{d.Id}  {d.Database,-20} {d.Mode,-6} {d.Format,-9} {Output.Time(d.StartTime)}  {Output.Bytes(d.Size),10}  " +
                $"stored {Output.Bytes(d.StoredSize),10}  {d.Tables} tables{(d.Rows is { } rows ? $", {rows} rows" : "")}" +
                $"{(d.AlembicRevision is { } a ? $", alembic {a}" : "")}{(d.Label is { } l ? $", label '{l}'" : "")}"));
        }
        foreach (var id in r.Incomplete)
        {
            await output.WriteLineAsync($"{id}  incomplete (no manifest)");
        }
    }

    private static Task DeletedBackupAsync(TextWriter output, DeleteBackupResult r) => output.WriteLineAsync(
        $"deleted {(r.Kind == "dump" ? $"dump {r.BackupId} of database '{r.Database}'" : $"backup {r.BackupId}")}" +
        $" of server '{r.Server}' ({Output.Bytes(r.FreedBytes)} freed)");

    private static async Task VerifiedDumpsAsync(TextWriter output, VerifyDumpResult r)
    {
        foreach (var problem in r.Problems)
        {
            await output.WriteLineAsync($"problem: {problem}");
        }
        await output.WriteLineAsync(
            $"verified {r.Dumps.Count} dump(s) of server '{r.Server}': {(r.Problems.Count == 0 ? "ok" : $"{r.Problems.Count} problem(s)")}");
    }

    private static async Task InitialisedAsync(TextWriter output, InitResult r)
    {
        foreach (var (repository, outcome) in r.Repositories)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"server '{r.Server}' in repository '{repository}': {outcome} (system identifier {r.SystemIdentifier}, PostgreSQL {r.PgVersionNum / 10000})"));
        }
    }

    private static async Task CheckedAsync(TextWriter output, CheckResult r)
    {
        foreach (var check in r.Checks)
        {
            await output.WriteLineAsync($"{(check.Ok ? "ok  " : "FAIL")}  {check.Name}: {check.Detail}");
        }
        foreach (var warning in r.Warnings)
        {
            await output.WriteLineAsync($"warn  {warning}");
        }
    }

    private static Task ScheduleAsync(TextWriter output, ScheduleResult result)
    {
        var console = Output.Console(output);
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
                var outcome = e.LastStatus is null ? ""
                    : e.LastStatus + (e.LastBackupId is { } id ? $" {id}" : "") + (e.LastError is { } err ? $": {err}" : "");
                table.AddRow(Markup.Escape(e.Key), Markup.Escape(e.Cron), next, e.LastStartedAt is { } last ? Output.Time(last) : "never",
                    Markup.Escape(outcome));
            }
            console.Write(table);
        }
        return Task.CompletedTask;
    }

    private static async Task VerifiedAsync(TextWriter output, VerifyReport report)
    {
        foreach (var problem in report.Problems)
        {
            await output.WriteLineAsync($"PROBLEM  {problem.Subject}: {problem.Problem}");
        }
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"verified server '{report.Server}': {report.BackupsChecked} backups, {report.ObjectsChecked} stored files " +
            $"({Output.Bytes(report.BytesChecked)}), {report.WalFilesChecked} WAL files, {report.DumpsChecked} dumps: " +
            $"{(report.Ok ? "no problems" : $"{report.Problems.Count} problems")}"));
    }

    private static Task RenderGenericAsync(CliContext context, JsonNode? result)
    {
        var console = Output.Console(context.Out);
        Write(console, result, "");
        return Task.CompletedTask;
    }

    private static void Write(IAnsiConsole console, JsonNode? node, string indent)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (value is JsonObject or JsonArray)
                    {
                        console.WriteLine($"{indent}{name}:");
                        Write(console, value, indent + "  ");
                    }
                    else
                    {
                        console.WriteLine($"{indent}{name}: {Scalar(value)}");
                    }
                }
                break;
            case JsonArray array when array.Count > 0 && array.All(a => a is JsonObject):
                var columns = array.SelectMany(a => ((JsonObject)a!).Where(p => p.Value is not (JsonObject or JsonArray)).Select(p => p.Key))
                    .Distinct(StringComparer.Ordinal).ToList();
                var table = new Table().Border(TableBorder.Simple);
                foreach (var column in columns)
                {
                    table.AddColumn(Markup.Escape(column));
                }
                foreach (JsonObject row in array.Cast<JsonObject>())
                {
                    table.AddRow(columns.Select(c => Markup.Escape(Scalar(row[c]))).ToArray());
                }
                console.Write(table);
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    console.WriteLine($"{indent}- {Scalar(item)}");
                }
                if (array.Count == 0)
                {
                    console.WriteLine($"{indent}(none)");
                }
                break;
            default:
                console.WriteLine(indent + Scalar(node));
                break;
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value when value.TryGetValue<double>(out var number) => number.ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };
}
