using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

/// <summary>An input that names a configured store (recorded in the run's history under <c>stores/&lt;store&gt;/history/</c>).</summary>
public interface IStoreInput
{
    string? Store { get; }
}

/// <summary>Descriptions shared by the store operations.</summary>
public static class StoreInputText
{
    public const string Store = "Store name, as configured under stores[].name (a Qdrant or Neo4j store).";
    public const string Backup = "Store backup id, e.g. 20261204-020000S (default: the newest backup of the store).";
    public const string Item = "Only this collection (Qdrant) or database (Neo4j) of the backup (default: every item).";
}

internal static class StoreItems
{
    /// <summary>The backup's items, or the one named; another name for the target needs a single item.</summary>
    public static IReadOnlyList<StoreItem> Select(StoreBackupManifest manifest, string? item, string? otherName)
    {
        var items = item is null ? manifest.Items
            : manifest.Items.Where(i => i.Name == item).ToList() is { Count: > 0 } found ? found
            : throw new NotFoundException($"store backup '{manifest.Id}' has no item '{item}'",
                $"it holds: {string.Join(", ", manifest.Items.Select(i => i.Name))}");
        if (otherName is not null && items.Count != 1)
        {
            throw new UsageException($"a target name needs one item, and store backup '{manifest.Id}' holds {items.Count}", "name the item (--item)");
        }
        return items;
    }
}

internal static class StoreValidationVerdict
{
    public static OperationVerdict Of(IReadOnlyList<StoreValidation> validations)
    {
        var problems = validations.SelectMany(v => v.Problems).ToList();
        return OperationVerdict.FailIf(problems.Count == 0 ? null : string.Join("; ", problems.Take(5)));
    }
}
