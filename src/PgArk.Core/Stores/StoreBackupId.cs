using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores;

/// <summary>Id of a store backup: its UTC start time and the suffix S, e.g. <c>20261204-020000S</c> (sorts by time).</summary>
public readonly partial record struct StoreBackupId(string Value)
{
    public static StoreBackupId ForTime(DateTimeOffset time) =>
        new(time.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "S");

    /// <summary>
    /// The id of a backup started at <paramref name="started"/>: ids sort in the order backups were taken, so one started in
    /// a second that already has a backup, or after the clock went back, takes the first second after the newest id. Only
    /// the id moves; the manifest keeps the real start time.
    /// </summary>
    public static StoreBackupId NewAfter(DateTimeOffset started, IEnumerable<string> existing)
    {
        var newest = existing.Max(StringComparer.Ordinal);
        var id = ForTime(started);
        if (newest is null || string.CompareOrdinal(id.Value, newest) > 0)
        {
            return id;
        }
        var newestTime = DateTimeOffset.ParseExact(newest[..^1], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return ForTime(newestTime.AddSeconds(1));
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out StoreBackupId? id)
    {
        id = text is not null && Pattern().IsMatch(text) ? new StoreBackupId(text) : null;
        return id is not null;
    }

    public static StoreBackupId Parse(string text) => TryParse(text, out var id)
        ? id.Value
        : throw new UsageException($"'{text}' is not a store backup id", "store backup ids look like 20261204-020000S (see 'pgark list-store-backups')");

    public override string ToString() => Value;

    [GeneratedRegex("^[0-9]{8}-[0-9]{6}S$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
