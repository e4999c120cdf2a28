using System.Globalization;
using System.Text.RegularExpressions;
using PgArk.Core.Errors;

namespace PgArk.Core.Catalog;

/// <summary>
/// A backup's identity: its start time (UTC, to the second) and a type letter, e.g. "20261121-103000F".
/// Ids sort in time order and are validated strictly because they become folder names.
/// </summary>
public readonly partial record struct BackupId
{
    private BackupId(string value) => Value = value;

    public string Value { get; }

    public static BackupId Create(DateTimeOffset startTime, BackupType type) =>
        new(startTime.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + TypeLetter(type));

    public static BackupId Parse(string text)
    {
        if (!TryParse(text, out var id))
        {
            throw new UsageException($"'{text}' is not a backup id", "backup ids look like 20261121-103000F (see 'pgark info')");
        }
        return id;
    }

    public static bool TryParse(string? text, out BackupId id)
    {
        id = default;
        if (text is null || !IdPattern().IsMatch(text))
        {
            return false;
        }
        id = new BackupId(text);
        return true;
    }

    public static char TypeLetter(BackupType type) => type switch
    {
        BackupType.Full => 'F',
        BackupType.Diff => 'D',
        BackupType.Incr => 'I',
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public override string ToString() => Value;

    [GeneratedRegex("^[0-9]{8}-[0-9]{6}[FDI]$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
