using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Logical;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Cli.Commands;

/// <summary>
/// <c>pgark export</c> and <c>pgark import</c>: one table as JSON or CSV. Still hand-written (export_table and
/// import_table have generated, confined commands too): the command line reads and writes any path the operator names
/// (export to stdout by default, <c>--where COL=VALUE</c>, <c>--no-header</c>, <c>--yes</c> only for an update import),
/// while REST and MCP are confined to the export folder and always confirm an import; see docs/architecture.md.
/// Their <c>--output json</c> is the REST/MCP result shape (snake_case).
/// </summary>
internal static class ExportImportCommands
{
    public static Command CreateExport(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var database = new Option<string>("--database", "-d") { Description = "Database name", Required = true };
        var table = new Option<string>("--table", "-t") { Description = "Table (schema.table or table)", Required = true };
        var format = new Option<DataFormat>("--format", "-f") { Description = "json or csv", Required = true };
        var where = new Option<string[]>("--where") { Description = "COLUMN=VALUE (bound as a parameter); repeat for AND", AllowMultipleArgumentsPerToken = false };
        var limit = new Option<long?>("--limit") { Description = "At most N rows" };
        var to = new Option<string?>("--to") { Description = "Write to this file (atomically); default: stdout" };
        return factory.Create("export", "Export a table's rows as JSON or CSV", async (context, ct) =>
        {
            var p = context.ParseResult;
            var filters = (p.GetValue(where) ?? []).Select(ColumnFilter.Parse).ToList();
            var path = p.GetValue(to);
            var operationContext = context.LoadOperationContext();
            if (path is null)
            {
                await context.Out.FlushAsync(ct);
                var output = ReferenceEquals(context.Out, Console.Out) ? Console.OpenStandardOutput() : new TextWriterStream(context.Out);
                var streamed = await new ExportTableOperation().RunAsync(operationContext, new ExportInput(p.GetValue(server)!, p.GetValue(database)!,
                    p.GetValue(table)!, p.GetValue(format), filters, p.GetValue(limit), null, output), null, ct);
                await output.FlushAsync(ct);
                await context.Error.WriteLineAsync($"exported {streamed.Rows} rows of {streamed.Table}");
                return 0;
            }
            var r = await new ExportTableOperation().RunAsync(operationContext, new ExportInput(p.GetValue(server)!, p.GetValue(database)!, p.GetValue(table)!,
                p.GetValue(format), filters, p.GetValue(limit), path), null, ct);
            if (context.Format == OutputFormat.Json)
            {
                // The shape export_table returns over REST and MCP; the file is the full path here (the API's is inside the export folder).
                await context.Out.WriteLineAsync(ArgumentBinder.ToJson(new ExportTableOutcome(r.Table, r.Rows, Path.GetFullPath(path)))!
                    .ToJsonString(ArgumentBinder.Options));
            }
            else
            {
                await context.Out.WriteLineAsync($"exported {r.Rows} rows of {r.Table} to {Path.GetFullPath(path)}");
            }
            return 0;
        }, server, database, table, format, where, limit, to);
    }

    public static Command CreateImport(CommandFactory factory)
    {
        var server = CommonOptions.Server();
        var database = new Option<string>("--database", "-d") { Description = "Database name", Required = true };
        var table = new Option<string>("--table", "-t") { Description = "Table (schema.table or table)", Required = true };
        var format = new Option<DataFormat>("--format", "-f") { Description = "json or csv", Required = true };
        var from = new Option<string>("--from") { Description = "File to import", Required = true };
        var onConflict = new Option<ConflictAction>("--on-conflict") { Description = "error (default), skip, or update (upsert on the primary key; needs --yes)", DefaultValueFactory = _ => ConflictAction.Error };
        var yes = new Option<bool>("--yes", "-y") { Description = "Confirm --on-conflict update, which overwrites existing rows" };
        var noHeader = new Option<bool>("--no-header") { Description = "CSV without a header line: fields are the table's columns in order" };
        return factory.Create("import", "Import a JSON or CSV file into a table", async (context, ct) =>
        {
            var p = context.ParseResult;
            var r = await new ImportTableOperation().RunAsync(context.LoadOperationContext(), new ImportInput(p.GetValue(server)!, p.GetValue(database)!,
                p.GetValue(table)!, p.GetValue(format), p.GetValue(from)!, p.GetValue(onConflict), p.GetValue(yes), !p.GetValue(noHeader)), null, ct);
            if (context.Format == OutputFormat.Json)
            {
                // Exactly what import_table returns over REST and MCP (snake_case).
                await context.Out.WriteLineAsync(ArgumentBinder.ToJson(r)!.ToJsonString(ArgumentBinder.Options));
                return 0;
            }
            await context.Out.WriteLineAsync($"imported into {r.Table}: {r.Rows} rows read, {r.Inserted} inserted, {r.Updated} updated, {r.Skipped} skipped, " +
                $"{r.Failures.Count} failed");
            foreach (var failure in r.Failures)
            {
                await context.Out.WriteLineAsync($"  row {failure.Row}: {failure.Message}");
            }
            return 0;
        }, server, database, table, format, from, onConflict, yes, noHeader);
    }
}

/// <summary>Bytes written become UTF-8 text on a writer (stdout redirected in-process, as in tests).</summary>
internal sealed class TextWriterStream(TextWriter writer) : Stream
{
    private readonly System.Text.Decoder _decoder = new System.Text.UTF8Encoding(false).GetDecoder();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => writer.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
        _decoder.GetChars(buffer, chars, flush: false);
        writer.Write(chars);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }
}
