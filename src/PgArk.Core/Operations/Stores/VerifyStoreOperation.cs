using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

public sealed record VerifyStoreInput(
    [property: Input(StoreInputText.Store, Positional = true)] string Store,
    [property: Input("Only this store backup (default: every backup of the store).")] string? Backup = null) : IStoreInput;

public sealed record VerifyStoreResult(string Store, IReadOnlyList<string> Backups, IReadOnlyList<string> Problems);

/// <summary>Reads every artifact of a store's backups (or one) and checks size and SHA-256 against the manifest; a mismatch exits 5.</summary>
public sealed class VerifyStoreOperation : Operation<VerifyStoreInput, VerifyStoreResult>
{
    public override string Name => "verify_store";
    public override string Description => "Check the checksums of a store's backups in the repository (a damaged artifact fails with exit 5).";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/stores/{store}/verify", "Verify the checksums of a store's backups");

    public override RunFacts Facts(VerifyStoreInput input, VerifyStoreResult? result) => new() { Store = input.Store, BackupId = input.Backup };

    public override OperationVerdict Verdict(VerifyStoreResult result) =>
        OperationVerdict.FailIf(result.Problems.Count == 0 ? null : string.Join("; ", result.Problems.Take(5)));

    protected override async Task<VerifyStoreResult> ExecuteAsync(OperationContext context, VerifyStoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var store = context.Options.GetStore(input.Store);
        var catalog = context.StoreCatalogFor(store);
        var backups = input.Backup is null ? await catalog.ListAsync(store.Name, cancellationToken).ConfigureAwait(false)
            : [await catalog.FindAsync(store.Name, input.Backup, cancellationToken).ConfigureAwait(false)];
        if (backups.Count == 0)
        {
            throw new NotFoundException($"store '{store.Name}' has no backups to verify in repository '{catalog.Repository.Name}'");
        }
        var problems = new List<string>();
        foreach (var backup in backups)
        {
            problems.AddRange(await catalog.VerifyAsync(backup, cancellationToken).ConfigureAwait(false));
        }
        return new VerifyStoreResult(store.Name, backups.Select(b => b.Id).ToList(), problems);
    }
}
