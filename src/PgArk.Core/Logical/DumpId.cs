using System.Globalization;
using System.Text.RegularExpressions;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <summary>
/// A logical dump's identity: its start time (UTC, to the second) and the letter L, e.g. "20261121-103000L". Dump ids
/// sort in time order, never collide with physical backup ids (F/D/I), and are validated strictly because they become
/// folder names.
/// </summary>
internal readonly partial record struct DumpId
{
    private DumpId(string value) => Value = value;

    public string Value { get; }

    public static DumpId Create(DateTimeOffset startTime) =>
        new(startTime.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "L");

    public static DumpId Parse(string text)
    {
        if (!TryParse(text, out var id))
        {
            throw new UsageException($"'{text}' is not a dump id", "dump ids look like 20261121-103000L (see 'pgark dumps')");
        }
        return id;
    }

    public static bool TryParse(string? text, out DumpId id)
    {
        id = default;
        if (text is null || !IdPattern().IsMatch(text))
        {
            return false;
        }
        id = new DumpId(text);
        return true;
    }

    public override string ToString() => Value;

    [GeneratedRegex("^[0-9]{8}-[0-9]{6}L$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
