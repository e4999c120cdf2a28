using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Restore;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

public sealed record BackupSetInput(
    [property: Input("Physical backup type for the servers: full, diff or incr (incr falls back to full when there is no parent).")]
    BackupType Type = BackupType.Incr,
    [property: Input("Only these servers (default: every configured server; an empty list: none).")] IReadOnlyList<string>? Servers = null,
    [property: Input("Only these stores (default: every configured store; an empty list: none).")] IReadOnlyList<string>? Stores = null,
    [property: Input(InputText.Label)] string? Label = null);

public sealed record BackupSetResult(BackupSetRecord Set, string Repository);

/// <summary>
/// Seed 004's "backup of the whole platform": backs up the configured PostgreSQL servers (physical backups) and the
/// Qdrant and Neo4j stores one after another under one set id, and records the set in the first repository. A member that
/// fails does not stop the others; the set then fails with the members' errors. Each member's run is recorded as usual.
/// </summary>
public sealed class BackupSetOperation : Operation<BackupSetInput, BackupSetResult>
{
    public override string Name => "backup_set";
    public override string Description => "Back up every PostgreSQL server and Qdrant/Neo4j store (or those named) in one run under one set id.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/sets", "Back up servers and stores together under one set id");

    public override RunFacts Facts(BackupSetInput input, BackupSetResult? result) => new()
    {
        Type = "set", BackupId = result?.Set.Id, Label = input.Label,
    };

    public override OperationVerdict Verdict(BackupSetResult result)
    {
        var failed = result.Set.Members.Where(m => m.Error is not null).ToList();
        return failed.Count == 0 ? OperationVerdict.Success
            : OperationVerdict.Fail(ErrorKind.Failed, $"backup set '{result.Set.Id}': " + string.Join("; ", failed.Select(m => $"{m.Kind} '{m.Name}': {m.Error}")));
    }

    protected override async Task<BackupSetResult> ExecuteAsync(OperationContext context, BackupSetInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var servers = input.Servers is null ? context.Options.Servers : input.Servers.Select(context.GetServer).ToList();
        var stores = input.Stores is null ? context.Options.Stores : input.Stores.Select(context.Options.GetStore).ToList();
        if (servers.Count + stores.Count == 0)
        {
            throw new UsageException("the backup set has no members", "name servers or stores, or configure some");
        }
        var repository = OperationContext.OpenRepository(context.Options.Repositories[0]);
        // One backup set at a time on this host: the id is chosen from the sets already recorded, so a second run could
        // otherwise pick the same one; the kernel releases the lock even when this process is killed.
        var setLock = await ServerLock.AcquireAsync(context.Options.LockPath, BackupSets.LockName, BackupSets.LockPurpose, cancellationToken)
            .ConfigureAwait(false);
        await using var setLockScope = setLock.ConfigureAwait(false);
        var started = DateTimeOffset.UtcNow;
        var id = await BackupSets.NewIdAsync(repository, started, cancellationToken).ConfigureAwait(false);
        var label = $"set:{id}";
        var members = new List<BackupSetMember>();
        foreach (var server in servers)
        {
            progress?.Report(new OperationProgress($"backing up server {server.Name}", 0, 0, members.Count, servers.Count + stores.Count));
            members.Add(await MemberAsync("server", server.Name, async () =>
                (await new BackupOperation().RunAsync(context, new BackupInput(server.Name, input.Type, label), null, cancellationToken).ConfigureAwait(false))
                .Manifest.Id, cancellationToken).ConfigureAwait(false));
        }
        foreach (var store in stores)
        {
            progress?.Report(new OperationProgress($"backing up store {store.Name}", 0, 0, members.Count, servers.Count + stores.Count));
            members.Add(await MemberAsync("store", store.Name, async () =>
                (await new BackupStoreOperation().RunAsync(context, new BackupStoreInput(store.Name, label), null, cancellationToken).ConfigureAwait(false))
                .Backup.Id, cancellationToken).ConfigureAwait(false));
        }
        var record = new BackupSetRecord
        {
            Id = id, StartTime = started, DurationSeconds = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 3), Label = input.Label, Members = members,
        };
        await repository.EnsureMarkerAsync(cancellationToken).ConfigureAwait(false);
        await repository.WriteJsonAsync(BackupSets.Path(id), record, cancellationToken).ConfigureAwait(false);
        return new BackupSetResult(record, repository.Name);
    }

    private static async Task<BackupSetMember> MemberAsync(string kind, string name, Func<Task<string>> backup, CancellationToken cancellationToken)
    {
        try
        {
            return new BackupSetMember(kind, name, await backup().ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new BackupSetMember(kind, name, null, ex is PgArkException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
