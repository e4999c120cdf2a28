using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Restore;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

internal static class BackupSets
{
    public const string Folder = "sets";

    /// <summary>The <see cref="ServerLock"/> (name and purpose) a backup set holds while it runs; no server lock uses this purpose.</summary>
    public const string LockName = "backup-sets";
    public const string LockPurpose = "set";

    private const int SecondsLength = 15; // yyyyMMdd-HHmmss

    public static string Path(string id) => $"{Folder}/{id}.json";

    /// <summary>
    /// A set record's path (<c>sets/yyyyMMdd-HHmmssX.json</c>, or <c>…X&lt;n&gt;</c> for the n-th set started in the same
    /// second); the folder also holds the set schedule's state.
    /// </summary>
    public static bool IsSetFile(string path) =>
        System.Text.RegularExpressions.Regex.IsMatch(path, "^sets/[0-9]{8}-[0-9]{6}X([2-9]|[1-9][0-9]+)?\\.json$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// The id of a set started at <paramref name="started"/>: <c>yyyyMMdd-HHmmssX</c> (UTC), as always, unless a set of that
    /// second is already recorded; then <c>yyyyMMdd-HHmmssX2</c>, <c>X3</c>, … (the first free one), so a second set never
    /// overwrites the first. The caller holds the set lock, so no other run picks the same id meanwhile.
    /// </summary>
    public static async Task<string> NewIdAsync(Repository repository, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var second = started.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "X";
        var taken = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var entry in repository.Storage.ListAsync(Folder, recursive: false, cancellationToken).ConfigureAwait(false))
        {
            if (IsSetFile(entry.Path) && entry.Path.StartsWith($"{Folder}/{second}", StringComparison.Ordinal))
            {
                taken.Add(entry.Path[(Folder.Length + 1)..^".json".Length]);
            }
        }
        if (!taken.Contains(second))
        {
            return second;
        }
        var n = 2;
        while (taken.Contains(second + n.ToString(CultureInfo.InvariantCulture)))
        {
            n++;
        }
        return second + n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Oldest first: by start second, then by the sequence number within the second (none is the first; X10 after X9).</summary>
    public static int Compare(string a, string b)
    {
        var bySecond = string.CompareOrdinal(a[..Math.Min(a.Length, SecondsLength)], b[..Math.Min(b.Length, SecondsLength)]);
        return bySecond != 0 ? bySecond : Sequence(a).CompareTo(Sequence(b));
    }

    private static long Sequence(string id) =>
        id.Length > SecondsLength + 1 && long.TryParse(id.AsSpan(SecondsLength + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1;
}
