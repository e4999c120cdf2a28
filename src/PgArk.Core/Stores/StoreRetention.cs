
namespace PgArk.Core.Stores;

/// <summary>Retention of store backups: keep the N newest and/or those younger than D days; the newest backup is always kept.</summary>
internal static class StoreRetention
{
    /// <summary>The ids to remove from <paramref name="backups"/> (oldest first), given the retention and the time now.</summary>
    public static IReadOnlyList<string> Plan(IReadOnlyList<StoreBackupManifest> backups, StoreRetentionOptions retention, DateTimeOffset now)
    {
        if (retention.Keep is null && retention.Days is null)
        {
            return [];
        }
        var ordered = backups.OrderByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var expired = new List<string>();
        for (var i = 1; i < ordered.Count; i++)
        {
            var beyondCount = retention.Keep is { } keep && i >= keep;
            var tooOld = retention.Days is { } days && ordered[i].StartTime < now.AddDays(-days);
            // Both given: a backup goes when either rule lets it go (seed 004 keeps 30 days; a count caps the number too).
            if (beyondCount || tooOld)
            {
                expired.Add(ordered[i].Id);
            }
        }
        expired.Reverse();
        return expired;
    }

    /// <summary>Applies the store's retention after a backup (never removing <paramref name="newest"/>); returns the removed ids.</summary>
    internal static async Task<IReadOnlyList<string>> ApplyAsync(StoreCatalog catalog, StoreOptions store, string newest, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var backups = await catalog.ListAsync(store.Name, cancellationToken).ConfigureAwait(false);
        var plan = Plan(backups, store.Retention, now).Where(id => id != newest).ToList();
        foreach (var id in plan)
        {
            await catalog.DeleteAsync(store.Name, id, cancellationToken).ConfigureAwait(false);
        }
        return plan;
    }
}
