using System.Text;

namespace PgArk.Core.Logical;

/// <summary>
/// Writes CSV byte for byte as PostgreSQL's <c>COPY ... (FORMAT csv)</c> does, so filtered and unfiltered exports look the
/// same: RFC 4180 quoting (fields with a comma, quote or line break quoted, quotes doubled), LF line ends, and NULL as an
/// empty unquoted field while an empty string is <c>""</c>.
/// </summary>
internal sealed class CsvWriter(TextWriter writer)
{
    public void WriteRecord(IReadOnlyList<string?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }
            WriteField(fields[i], fields.Count == 1);
        }
        writer.Write('\n');
    }

    /// <param name="alone">The record has this one field: then a lone <c>\.</c> is quoted, as COPY does, because the
    /// line would otherwise read as COPY's end-of-data marker.</param>
    public void WriteField(string? value, bool alone = false)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length == 0 || (alone && value == "\\.") || value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
        {
            writer.Write('"');
            writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
            writer.Write('"');
        }
        else
        {
            writer.Write(value);
        }
    }
}

/// <summary>
/// Reads CSV records one at a time (constant memory per record): quoted fields may hold commas, doubled quotes and line
/// breaks; an empty unquoted field is NULL (null) and <c>""</c> is the empty string. Lines end in CRLF, LF or CR.
/// </summary>
internal sealed class CsvReader(TextReader reader)
{
    private readonly StringBuilder _field = new();

    /// <summary>Records read so far (the header counts as one).</summary>
    public long RecordNumber { get; private set; }

    /// <summary>The next record, or null at the end of the input. Malformed input throws <see cref="FormatException"/>.</summary>
    public List<string?>? ReadRecord()
    {
        var first = reader.Peek();
        if (first < 0)
        {
            return null;
        }
        RecordNumber++;
        var fields = new List<string?>();
        while (true)
        {
            _field.Clear();
            var c = reader.Read();
            if (c == '"')
            {
                while (true)
                {
                    c = reader.Read();
                    if (c < 0)
                    {
                        throw new FormatException($"record {RecordNumber}: a quoted field is not closed before the end of the file");
                    }
                    if (c == '"')
                    {
                        if (reader.Peek() == '"')
                        {
                            reader.Read();
                            _field.Append('"');
                            continue;
                        }
                        break;
                    }
                    _field.Append((char)c);
                }
                fields.Add(_field.ToString());
                c = reader.Read();
                if (c is not (',' or '\r' or '\n' or -1))
                {
                    throw new FormatException($"record {RecordNumber}: unexpected character '{(char)c}' after a closing quote");
                }
            }
            else
            {
                while (c is not (',' or '\r' or '\n' or -1))
                {
                    if (c == '"')
                    {
                        throw new FormatException($"record {RecordNumber}: a quote inside an unquoted field (quote the field and double the quote)");
                    }
                    _field.Append((char)c);
                    c = reader.Read();
                }
                fields.Add(_field.Length == 0 ? null : _field.ToString());
            }
            if (c == ',')
            {
                continue;
            }
            if (c == '\r' && reader.Peek() == '\n')
            {
                reader.Read();
            }
            return fields;
        }
    }
}

/// <summary>Counts CSV records in a byte stream read in chunks, without parsing fields.</summary>
internal static class CsvScanner
{
    /// <summary>Record ends in a chunk of COPY CSV output: line feeds outside quoted fields (a doubled quote toggles twice).</summary>
    public static long CountRecordEnds(ReadOnlySpan<byte> chunk, ref bool inQuotes)
    {
        long count = 0;
        while (true)
        {
            var next = inQuotes ? chunk.IndexOf((byte)'"') : chunk.IndexOfAny((byte)'"', (byte)'\n');
            if (next < 0)
            {
                return count;
            }
            if (chunk[next] == '"')
            {
                inQuotes = !inQuotes;
            }
            else
            {
                count++;
            }
            chunk = chunk[(next + 1)..];
        }
    }
}
