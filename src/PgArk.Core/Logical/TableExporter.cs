using System.Data;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

public enum DataFormat
{
    Json,
    Csv,
}

/// <summary>One <c>--where COL=VALUE</c> condition: the column is checked against the catalog, the value is a bound parameter.</summary>
internal sealed record ColumnFilter(string Column, string Value)
{
    public static ColumnFilter Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 ? new ColumnFilter(text[..equals], text[(equals + 1)..])
            : throw new UsageException($"'{text}' is not a condition", "write --where COLUMN=VALUE");
    }
}

internal sealed record ExportRequest(string Database, string Table, DataFormat Format, IReadOnlyList<ColumnFilter>? Where = null, long? Limit = null);

internal sealed record ExportResult(string Table, long Rows);

/// <summary>
/// Streams a table's rows out as JSON or CSV with constant memory. CSV without filters is PostgreSQL's COPY output passed
/// through unchanged; JSON and filtered CSV are one parameterised SELECT read row by row. PostgreSQL itself renders each
/// value (to_json for JSON, so numbers stay numbers, json/jsonb is embedded and timestamps are ISO 8601; the type's text
/// output for CSV, as COPY writes it), in UTC with ISO dates and full float precision.
/// </summary>
internal sealed class TableExporter(ServerOptions server)
{
    private const string SessionSettings = "SET TIME ZONE 'UTC'; SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'; SET extra_float_digits = 3";

    public async Task<ExportResult> ExportAsync(ExportRequest request, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit is < 0)
        {
            throw new UsageException("--limit must be 0 or more");
        }
        var client = new PgClient(server);
        var connection = await client.OpenAsync(request.Database, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var table = await SchemaCatalog.ResolveAsync(connection, request.Table, cancellationToken).ConfigureAwait(false);
        var columns = await SchemaCatalog.ColumnsAsync(connection, table, cancellationToken).ConfigureAwait(false);
        var settings = new NpgsqlCommand(SessionSettings, connection);
        await using (settings.ConfigureAwait(false))
        {
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (request.Format == DataFormat.Csv && (request.Where ?? []).Count == 0)
        {
            return await CopyCsvAsync(connection, table, columns, request.Limit, output, cancellationToken).ConfigureAwait(false);
        }

        // Casts to text differ from COPY (char(n) loses its padding, boolean becomes 'true'); concat() uses the type's output
        // function, as COPY does, so filtered CSV is byte for byte what the COPY path writes.
        var select = columns.Select(c => request.Format == DataFormat.Csv
            ? $"CASE WHEN {PgClient.QuoteIdentifier(c.Name)} IS NULL THEN NULL ELSE concat({PgClient.QuoteIdentifier(c.Name)}) END"
            : c.IsBytea ? $"to_json(translate(encode({PgClient.QuoteIdentifier(c.Name)}, 'base64'), E'\\n', ''))::text"
            : $"to_json({PgClient.QuoteIdentifier(c.Name)})::text");
        var sql = new StringBuilder($"SELECT {string.Join(", ", select)} FROM {table.Quoted}");
        var command = new NpgsqlCommand { Connection = connection };
        await using var commandScope = command.ConfigureAwait(false);
        var conditions = new List<string>();
        foreach (var filter in request.Where ?? [])
        {
            var column = SchemaCatalog.Column(columns, filter.Column, table);
            command.Parameters.Add(new NpgsqlParameter { Value = filter.Value, NpgsqlDbType = NpgsqlDbType.Unknown });
            // format_type's output is PostgreSQL's own quoting of the type name; the value stays a parameter.
            conditions.Add($"{PgClient.QuoteIdentifier(column.Name)} = CAST(${command.Parameters.Count} AS {column.SqlType})");
        }
        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").Append(string.Join(" AND ", conditions));
        }
        if (request.Limit is { } limit)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Bigint });
            sql.Append(" LIMIT $").Append(command.Parameters.Count);
        }
        command.CommandText = sql.ToString();

        long rows = 0;
        var reader = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var values = new string?[columns.Count];
        if (request.Format == DataFormat.Csv)
        {
            var text = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            await using var textScope = text.ConfigureAwait(false);
            var csv = new CsvWriter(text);
            csv.WriteRecord(columns.Select(c => c.Name).ToList());
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                Read(reader, values);
                csv.WriteRecord(values);
                rows++;
                if ((rows & 1023) == 0)
                {
                    await text.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            await text.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
            await using var jsonScope = json.ConfigureAwait(false);
            var names = columns.Select(c => JsonEncodedText.Encode(c.Name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)).ToArray();
            json.WriteStartArray();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                Read(reader, values);
                json.WriteStartObject();
                for (var i = 0; i < values.Length; i++)
                {
                    json.WritePropertyName(names[i]);
                    if (values[i] is { } value)
                    {
                        json.WriteRawValue(value, skipInputValidation: true);
                    }
                    else
                    {
                        json.WriteNullValue();
                    }
                }
                json.WriteEndObject();
                rows++;
                if (json.BytesPending > 1 << 16)
                {
                    await json.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            json.WriteEndArray();
            await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        return new ExportResult(table.ToString(), rows);
    }

    /// <summary>
    /// CSV without --where: PostgreSQL's own COPY ... TO STDOUT (FORMAT csv, HEADER) bytes go straight to the output, as
    /// psql's \copy does. COPY cannot take bind parameters, so only catalog-checked, quoted names and the integer limit are
    /// in the statement; filtered exports take the parameterised SELECT path instead.
    /// </summary>
    private static async Task<ExportResult> CopyCsvAsync(NpgsqlConnection connection, TableName table, IReadOnlyList<ColumnInfo> columns, long? limit,
        Stream output, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("COPY (SELECT ").Append(string.Join(", ", columns.Select(c => PgClient.QuoteIdentifier(c.Name))))
            .Append(" FROM ").Append(table.Quoted);
        if (limit is { } n)
        {
            sql.Append(" LIMIT ").Append(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        sql.Append(") TO STDOUT WITH (FORMAT csv, HEADER)");
        var reader = await connection.BeginTextExportAsync(sql.ToString(), cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        // The text reader is a StreamReader over the raw COPY stream (UTF-8, the connection's client_encoding): reading the
        // stream itself skips decoding and re-encoding every character.
        var raw = ((StreamReader)reader).BaseStream;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        long lines = 0;
        var inQuotes = false;
        try
        {
            // Each read returns one COPY message (one row): gather 64 KiB before writing, or stdout would get a write per row.
            // The reads are synchronous on purpose: one async read per row cost more than the export itself (1M rows: 1.3 s
            // against 0.7 s); Npgsql serves them from its buffer and blocks only when that is empty.
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var filled = 0;
                int read;
                while (filled < 1 << 16 && (read = raw.Read(buffer, filled, (1 << 16) - filled)) > 0)
                {
                    filled += read;
                }
                if (filled == 0)
                {
                    break;
                }
                lines += CsvScanner.CountRecordEnds(buffer.AsSpan(0, filled), ref inQuotes);
                await output.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new ExportResult(table.ToString(), Math.Max(0, lines - 1));
    }

    private static void Read(NpgsqlDataReader reader, string?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
        }
    }

    private static async Task<NpgsqlDataReader> ExecuteAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            // Data exception: a --where value that is not valid for its column's type.
            throw new UsageException($"invalid --where value: {ex.MessageText}");
        }
    }
}
