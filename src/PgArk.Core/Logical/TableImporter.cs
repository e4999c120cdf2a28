using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <summary>What to do with a row whose key already exists: fail the import, skip the row, or update the existing row.</summary>
public enum ConflictAction
{
    Error,
    Skip,
    Update,
}

/// <param name="HasHeaders">CSV only: the first line names the columns; without it the fields are the table's columns in order
/// (generated columns left out).</param>
internal sealed record ImportRequest(string Database, string Table, DataFormat Format, ConflictAction OnConflict = ConflictAction.Error, bool HasHeaders = true);

/// <summary>A row that could not be imported; <see cref="Row"/> counts data rows from 1 (a CSV header is not a row).</summary>
public sealed record RowFailure(long Row, string Message);

public sealed record ImportResult(string Table, long Rows, long Inserted, long Updated, long Skipped, IReadOnlyList<RowFailure> Failures);

/// <summary>
/// Loads a JSON or CSV export into a table in one transaction, streaming the file row by row. Every value reaches
/// PostgreSQL as a parameter converted by the column's own type. With <c>error</c> any bad or conflicting row rolls
/// the whole import back, naming the row; with <c>skip</c>/<c>update</c> conflicts are skipped/upserted on the primary
/// key, and rows that fail for other reasons are reported by number while the others are kept.
/// </summary>
internal sealed class TableImporter(ServerOptions server)
{
    private const int MaxReportedFailures = 100;

    public async Task<ImportResult> ImportAsync(ImportRequest request, Stream input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = new PgClient(server);
        var connection = await client.OpenAsync(request.Database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var table = await SchemaCatalog.ResolveAsync(connection, request.Table, cancellationToken).ConfigureAwait(false);
        var columns = await SchemaCatalog.ColumnsAsync(connection, table, cancellationToken).ConfigureAwait(false);
        var key = await SchemaCatalog.PrimaryKeyAsync(connection, table, cancellationToken).ConfigureAwait(false);
        if (request.OnConflict == ConflictAction.Update && key.Count == 0)
        {
            throw new UsageException($"table '{table}' has no primary key, so --on-conflict update cannot tell which row to update",
                "use --on-conflict error or skip, or add a primary key");
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var statements = new Dictionary<string, string>(StringComparer.Ordinal);
        long rows = 0, inserted = 0, updated = 0, skipped = 0;
        var failures = new List<RowFailure>();
        long failed = 0;
        var rowSource = request.Format == DataFormat.Csv ? CsvRowsAsync(input, columns, table, request.HasHeaders, cancellationToken) : JsonRowsAsync(input, columns, table, cancellationToken);
        await foreach (var (number, names, values, problem) in rowSource.ConfigureAwait(false))
        {
            rows = number;
            var savepoint = request.OnConflict != ConflictAction.Error;
            try
            {
                if (problem is not null)
                {
                    throw new FormatException(problem);
                }
                var sql = Statement(statements, table, columns, key, names, request.OnConflict);
                var command = new NpgsqlCommand(sql, connection, transaction);
                await using var commandScope = command.ConfigureAwait(false);
                foreach (var value in values)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown });
                }
                if (savepoint)
                {
                    await transaction.SaveAsync("pgark_row", cancellationToken).ConfigureAwait(false);
                }
                var outcome = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case true:
                        inserted++;
                        break;
                    case false:
                        updated++;
                        break;
                    default:
                        skipped++;
                        break;
                }
                if (savepoint)
                {
                    await transaction.ReleaseAsync("pgark_row", cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is PostgresException or FormatException or InvalidCastException)
            {
                var message = ex is PostgresException pg ? pg.MessageText + (pg.Detail is { Length: > 0 } d ? $" ({d})" : "") : ex.Message;
                if (!savepoint)
                {
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    throw new OperationFailedException($"row {number} of the {request.Format.ToString().ToLowerInvariant()} file cannot be imported into {table}: {message}",
                        "nothing was imported (the import is one transaction); fix the row, or use --on-conflict skip|update to keep the other rows");
                }
                if (ex is PostgresException)
                {
                    await transaction.RollbackAsync("pgark_row", CancellationToken.None).ConfigureAwait(false);
                }
                failed++;
                if (failures.Count < MaxReportedFailures)
                {
                    failures.Add(new RowFailure(number, message));
                }
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ImportResult(table.ToString(), rows, inserted, updated, skipped, failures);
    }

    /// <summary>INSERT ... RETURNING (xmax = 0): true for an inserted row, false for an updated one, no row for a skipped one.</summary>
    private static string Statement(Dictionary<string, string> cache, TableName table, IReadOnlyList<ColumnInfo> columns, IReadOnlyList<string> key,
        IReadOnlyList<string> names, ConflictAction onConflict)
    {
        var cacheKey = string.Join('\u0001', names);
        if (cache.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }
        var byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var sql = new StringBuilder($"INSERT INTO {table.Quoted} ({string.Join(", ", names.Select(PgClient.QuoteIdentifier))}) VALUES (");
        sql.Append(string.Join(", ", names.Select((n, i) => $"CAST(${i + 1} AS {byName[n].SqlType})"))).Append(')');
        switch (onConflict)
        {
            case ConflictAction.Skip:
                sql.Append(" ON CONFLICT DO NOTHING");
                break;
            case ConflictAction.Update:
                var updates = names.Where(n => !key.Contains(n)).Select(n => $"{PgClient.QuoteIdentifier(n)} = EXCLUDED.{PgClient.QuoteIdentifier(n)}").ToList();
                sql.Append($" ON CONFLICT ({string.Join(", ", key.Select(PgClient.QuoteIdentifier))}) ")
                    .Append(updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates));
                break;
        }
        sql.Append(" RETURNING (xmax = 0)");
        return cache[cacheKey] = sql.ToString();
    }

    private static async IAsyncEnumerable<(long Row, IReadOnlyList<string> Names, IReadOnlyList<string?> Values, string? Problem)> CsvRowsAsync(
        Stream input, IReadOnlyList<ColumnInfo> columns, TableName table, bool hasHeaders,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var text = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16, leaveOpen: true);
        var csv = new CsvReader(text);
        var header = hasHeaders ? Read(csv, 0) ?? throw new UsageException("the CSV file is empty: it needs a header line naming the columns")
            : columns.Where(c => !c.IsGenerated).Select(c => (string?)c.Name).ToList();
        var names = new List<string>();
        foreach (var name in header)
        {
            var column = SchemaCatalog.Column(columns, name ?? "", table);
            if (names.Contains(column.Name))
            {
                throw new UsageException($"the CSV header names column '{column.Name}' twice");
            }
            names.Add(column.Name);
        }
        long row = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<string?>? record;
            string? problem = null;
            try
            {
                record = Read(csv, row + 1);
            }
            catch (FormatException ex)
            {
                // A malformed record cannot be resynchronised reliably: stop here.
                throw new UsageException($"row {row + 1} of the CSV file is malformed: {ex.Message}");
            }
            if (record is null)
            {
                yield break;
            }
            row++;
            if (record.Count != names.Count)
            {
                problem = hasHeaders ? $"it has {record.Count} fields and the header has {names.Count}"
                    : $"it has {record.Count} fields and the table has {names.Count} columns";
            }
            yield return (row, names, record, problem);
        }
        static List<string?>? Read(CsvReader csv, long row) => csv.ReadRecord();
    }

    private static async IAsyncEnumerable<(long Row, IReadOnlyList<string> Names, IReadOnlyList<string?> Values, string? Problem)> JsonRowsAsync(
        Stream input, IReadOnlyList<ColumnInfo> columns, TableName table, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        long row = 0;
        var elements = JsonSerializer.DeserializeAsyncEnumerable(input, LogicalDataJsonContext.Default.JsonElement, cancellationToken);
        var enumerator = elements.GetAsyncEnumerator(cancellationToken);
        await using var enumeratorScope = enumerator.ConfigureAwait(false);
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (JsonException ex)
            {
                throw new UsageException($"the JSON file is not valid after row {row}: {ex.Message}", "it must be an array of objects, as 'pgark export --format json' writes");
            }
            row++;
            var element = enumerator.Current;
            if (element.ValueKind != JsonValueKind.Object)
            {
                yield return (row, [], [], $"it is not a JSON object");
                continue;
            }
            var names = new List<string>();
            var values = new List<string?>();
            string? problem = null;
            foreach (var property in element.EnumerateObject())
            {
                if (!byName.TryGetValue(property.Name, out var column))
                {
                    throw new NotFoundException($"column '{property.Name}' (row {row} of the JSON file) does not exist in table '{table}'",
                        $"columns are: {string.Join(", ", columns.Select(c => c.Name))}");
                }
                names.Add(column.Name);
                try
                {
                    values.Add(JsonValues.ToPgText(property.Value, column));
                }
                catch (FormatException ex)
                {
                    problem ??= ex.Message;
                    values.Add(null);
                }
            }
            if (names.Count == 0)
            {
                problem ??= "it has no columns";
            }
            yield return (row, names, values, problem);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonElement))]
internal sealed partial class LogicalDataJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
