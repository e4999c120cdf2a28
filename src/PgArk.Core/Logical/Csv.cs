using System.Text;

namespace PgArk.Core.Logical;

/// <summary>
/// Writes CSV as RFC 4180 describes (CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled)
/// with PostgreSQL's NULL convention: NULL is an empty unquoted field, an empty string is <c>""</c>.
/// </summary>
public sealed class CsvWriter(TextWriter writer)
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
            WriteField(fields[i]);
        }
        writer.Write("\r\n");
    }

    public void WriteField(string? value)
    {
        if (value is null)
        {
            return;
        }
        // PostgreSQL's COPY also quotes a lone \. (its end-of-data marker), so files stay loadable with COPY FROM.
        if (value.Length == 0 || value == "\\." || value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
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
public sealed class CsvReader(TextReader reader)
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
