using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PgArk.Core.Logical;

/// <summary>
/// Turns a JSON value from an export file into PostgreSQL input text for a column's type: numbers and strings as
/// written, booleans as true/false, JSON embedded in json/jsonb columns as is, base64 strings into bytea, JSON arrays
/// into array literals. <see cref="FormatException"/> names what does not fit.
/// </summary>
internal static class JsonValues
{
    public static string? ToPgText(JsonElement value, ColumnInfo column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (column.IsJson)
        {
            return value.GetRawText();
        }
        if (column.IsBytea)
        {
            return value.ValueKind == JsonValueKind.String ? Bytea(value.GetString()!, column.Name)
                : throw new FormatException($"column '{column.Name}' (bytea) needs a base64 string, not {Describe(value)}");
        }
        if (column.IsArray)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                return value.ValueKind == JsonValueKind.String ? value.GetString()
                    : throw new FormatException($"column '{column.Name}' ({column.SqlType}) needs a JSON array, not {Describe(value)}");
            }
            var builder = new StringBuilder();
            AppendArray(builder, value, column);
            return builder.ToString();
        }
        return Scalar(value, column);
    }

    private static string Scalar(JsonElement value, ColumnInfo column) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new FormatException($"column '{column.Name}' ({column.SqlType}) cannot take {Describe(value)}"),
    };

    private static void AppendArray(StringBuilder builder, JsonElement array, ColumnInfo column)
    {
        builder.Append('{');
        var first = true;
        foreach (var item in array.EnumerateArray())
        {
            if (!first)
            {
                builder.Append(',');
            }
            first = false;
            switch (item.ValueKind)
            {
                case JsonValueKind.Null:
                    builder.Append("NULL");
                    break;
                case JsonValueKind.Array when column.ElementTypeName is not ("json" or "jsonb"):
                    AppendArray(builder, item, column);
                    break;
                default:
                    var text = item.ValueKind is JsonValueKind.Object or JsonValueKind.Array || column.ElementTypeName is "json" or "jsonb"
                        ? item.GetRawText()
                        : column.ElementTypeName == "bytea" && item.ValueKind == JsonValueKind.String && !item.GetString()!.StartsWith("\\x", StringComparison.Ordinal)
                            ? Bytea(item.GetString()!, column.Name)
                            : Scalar(item, column);
                    builder.Append('"').Append(text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
            }
        }
        builder.Append('}');
    }

    private static string Bytea(string base64, string column)
    {
        try
        {
            return "\\x" + Convert.ToHexStringLower(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new FormatException($"column '{column}' (bytea) needs base64, and '{Shorten(base64)}' is not");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "a JSON object",
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.String => $"the string '{Shorten(value.GetString()!)}'",
        _ => value.GetRawText(),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
