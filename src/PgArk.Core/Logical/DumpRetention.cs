namespace PgArk.Core.Logical;

/// <summary>A dump the retention plan removes, and why.</summary>
public sealed record DumpExpiry(string Id, string Database, DateTimeOffset StartTime, string Reason);

/// <summary>
/// Which dumps to keep, per database: the <c>keep</c> newest, and every dump younger than <c>keepDays</c>. A dump is
/// kept when either rule keeps it; with neither rule everything is kept; the newest dump of each database is always kept.
/// </summary>
internal static class DumpRetention
{
    public static IReadOnlyList<DumpExpiry> Plan(IReadOnlyList<DumpManifest> dumps, int? keep, int? keepDays, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(dumps);
        if (keep is < 1)
        {
            throw new Errors.UsageException("--keep must be 1 or more");
        }
        if (keepDays is < 0)
        {
            throw new Errors.UsageException("--keep-days must be 0 or more");
        }
        if (keep is null && keepDays is null)
        {
            return [];
        }
        var result = new List<DumpExpiry>();
        foreach (var database in dumps.GroupBy(d => d.Database).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var newestFirst = database.OrderByDescending(d => d.Id, StringComparer.Ordinal).ToList();
            for (var i = 1; i < newestFirst.Count; i++)
            {
                var dump = newestFirst[i];
                var keptByCount = keep is { } n && i < n;
                var keptByAge = keepDays is { } days && dump.StartTime > now.AddDays(-days);
                if (keptByCount || keptByAge)
                {
                    continue;
                }
                var reasons = new List<string>();
                if (keep is { } k)
                {
                    reasons.Add($"not among the {k} newest of database '{dump.Database}'");
                }
                if (keepDays is { } d)
                {
                    reasons.Add($"older than {d} days");
                }
                result.Add(new DumpExpiry(dump.Id, dump.Database, dump.StartTime, string.Join(" and ", reasons)));
            }
        }
        return result.OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
    }
}
