using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

public sealed record ValidateStoreInput(
    [property: Input(StoreInputText.Store, Positional = true)] string Store,
    [property: Input(StoreInputText.Backup)] string? Backup = null,
    [property: Input(StoreInputText.Item)] string? Item = null,
    [property: Input("Compare this collection or database instead of the item's own (e.g. a scratch restore); needs item when the backup has several.")]
    string? Target = null) : IStoreInput;

public sealed record ValidateStoreResult(string Store, string Backup, IReadOnlyList<StoreValidation> Validations);

/// <summary>Compares the live store with what a backup recorded: Qdrant point counts and vectors configuration, Neo4j counts per label and type.</summary>
public sealed class ValidateStoreOperation : Operation<ValidateStoreInput, ValidateStoreResult>
{
    public override string Name => "validate_store";
    public override string Description => "Compare a Qdrant or Neo4j store with what a backup recorded (point counts and vector config; node and relationship counts).";
    public override OperationRole Role => OperationRole.Operator;
    public override OperationRoute Route => new("POST", "/api/stores/{store}/validate", "Compare a store with a backup's recorded counts");

    public override RunFacts Facts(ValidateStoreInput input, ValidateStoreResult? result) => new() { Store = input.Store, BackupId = result?.Backup ?? input.Backup };

    public override OperationVerdict Verdict(ValidateStoreResult result) => StoreValidationVerdict.Of(result.Validations);

    protected override async Task<ValidateStoreResult> ExecuteAsync(OperationContext context, ValidateStoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var store = context.Options.GetStore(input.Store);
        var catalog = context.StoreCatalogFor(store);
        var manifest = await catalog.FindAsync(store.Name, input.Backup, cancellationToken).ConfigureAwait(false);
        var driver = StoreDrivers.Create(store, context.LoggerFactory);
        var validations = new List<StoreValidation>();
        foreach (var item in StoreItems.Select(manifest, input.Item, input.Target))
        {
            validations.Add(await driver.ValidateAsync(item, input.Target ?? item.Name, cancellationToken).ConfigureAwait(false));
        }
        return new ValidateStoreResult(store.Name, manifest.Id, validations);
    }
}
