using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
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
        var started = DateTimeOffset.UtcNow;
        var id = started.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "X";
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
        var repository = OperationContext.OpenRepository(context.Options.Repositories[0]);
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

public sealed record ListBackupSetsInput(
    [property: Input("Only sets with a member of this name (a server or a store).")] string? Member = null);

public sealed record ListBackupSetsResult(string Repository, IReadOnlyList<BackupSetRecord> Sets);

/// <summary>Lists the backup sets recorded in the first repository, oldest first.</summary>
public sealed class ListBackupSetsOperation : Operation<ListBackupSetsInput, ListBackupSetsResult>
{
    public override string Name => "list_backup_sets";
    public override string Description => "List the backup sets (servers and stores backed up together), oldest first.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/sets", "Backup sets of servers and stores");

    protected override async Task<ListBackupSetsResult> ExecuteAsync(OperationContext context, ListBackupSetsInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var repository = OperationContext.OpenRepository(context.Options.Repositories[0]);
        var sets = new List<BackupSetRecord>();
        await foreach (var entry in repository.Storage.ListAsync(BackupSets.Folder, recursive: false, cancellationToken).ConfigureAwait(false))
        {
            if (BackupSets.IsSetFile(entry.Path)
                && await repository.ReadJsonAsync<BackupSetRecord>(entry.Path, cancellationToken).ConfigureAwait(false) is { } set
                && (input.Member is null || set.Members.Any(m => m.Name == input.Member)))
            {
                sets.Add(set);
            }
        }
        sets.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return new ListBackupSetsResult(repository.Name, sets);
    }
}

internal static class BackupSets
{
    public const string Folder = "sets";

    public static string Path(string id) => $"{Folder}/{id}.json";

    /// <summary>A set record's path (<c>sets/yyyyMMdd-HHmmssX.json</c>); the folder also holds the set schedule's state.</summary>
    public static bool IsSetFile(string path) =>
        System.Text.RegularExpressions.Regex.IsMatch(path, "^sets/[0-9]{8}-[0-9]{6}X\\.json$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}

public sealed record RestoreSetInput(
    [property: Input("Backup set id, e.g. 20261204-020000X (default: the newest set).")] string? Set = null,
    [property: Input("After each store restore, compare counts and configuration with the backup (default true).")] bool Validate = true,
    [property: Input(InputText.Confirm, Aliases = ["--yes", "-y"])] bool Confirm = false) : IConfirmedInput;

/// <param name="Status"><c>restored</c>, <c>failed</c>, <c>skipped</c> (the member failed at backup time) or <c>manual</c> (a server:
/// see <paramref name="Command"/>).</param>
/// <param name="Command">For a server: the restore command to run once its cluster is stopped (PgArk does not stop a live cluster for a set):
/// a delta restore of the set's backup into the configured data directory, to the backup's end.</param>
public sealed record RestoreSetMember(string Kind, string Name, string? BackupId, string Status, string? Error, string? Command,
    IReadOnlyList<StoreValidation> Validations);

public sealed record RestoreSetResult(string Set, IReadOnlyList<RestoreSetMember> Members);

/// <summary>
/// Restores a backup set: every store member from the backup the set recorded (checksums first, then upload or load, then
/// validation), one after another; server members are listed with the <c>pgark restore</c> command that restores their
/// backup, since a physical restore needs the cluster stopped and its data directory chosen by the operator.
/// </summary>
public sealed class RestoreSetOperation : Operation<RestoreSetInput, RestoreSetResult>
{
    public override string Name => "restore_set";
    public override string Description => "Restore the stores of a backup set (newest unless named) and list the restore command of each server member.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/sets/{set}/restore", "Restore the stores of a backup set (admin; \"confirm\": true)");

    public override RunFacts Facts(RestoreSetInput input, RestoreSetResult? result) => new() { Type = "set", BackupId = result?.Set ?? input.Set };

    public override OperationVerdict Verdict(RestoreSetResult result)
    {
        var failed = result.Members.Where(m => m.Status == "failed" || m.Validations.Any(v => v.Problems.Count > 0)).ToList();
        return failed.Count == 0 ? OperationVerdict.Success
            : OperationVerdict.Fail(failed.Any(m => m.Error is not null) ? ErrorKind.Failed : ErrorKind.Integrity,
                $"restore of set '{result.Set}': " + string.Join("; ", failed.Select(m =>
                    $"{m.Kind} '{m.Name}': {m.Error ?? string.Join("; ", m.Validations.SelectMany(v => v.Problems))}")));
    }

    protected override async Task<RestoreSetResult> ExecuteAsync(OperationContext context, RestoreSetInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var repository = OperationContext.OpenRepository(context.Options.Repositories[0]);
        BackupSetRecord set;
        if (input.Set is not null)
        {
            set = await repository.ReadJsonAsync<BackupSetRecord>(BackupSets.Path(input.Set), cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException($"backup set '{input.Set}' not found in repository '{repository.Name}'", "see 'pgark list-backup-sets'");
        }
        else
        {
            var all = await new ListBackupSetsOperation().RunAsync(context, new ListBackupSetsInput(), null, cancellationToken).ConfigureAwait(false);
            set = all.Sets.Count > 0 ? all.Sets[^1]
                : throw new NotFoundException($"no backup sets in repository '{repository.Name}'", "take one with 'pgark backup-set'");
        }
        if (!input.Confirm)
        {
            throw new RefusedException($"restoring backup set '{set.Id}' replaces the collections and databases of "
                + string.Join(", ", set.Members.Where(m => m.Kind == "store").Select(m => $"store '{m.Name}'")), "add --yes to confirm");
        }
        var members = new List<RestoreSetMember>();
        foreach (var member in set.Members)
        {
            if (member.BackupId is null)
            {
                members.Add(new RestoreSetMember(member.Kind, member.Name, null, "skipped", null, null, []));
                continue;
            }
            if (member.Kind == "server")
            {
                var pgdata = context.Options.Servers.FirstOrDefault(s => s.Name == member.Name)?.PgData ?? "DATA_DIRECTORY";
                members.Add(new RestoreSetMember(member.Kind, member.Name, member.BackupId, "manual", null,
                    $"pgark restore --server {member.Name} --backup {member.BackupId} --target immediate --pgdata {pgdata} --delta", []));
                continue;
            }
            progress?.Report(new OperationProgress($"restoring store {member.Name}", 0, 0, members.Count, set.Members.Count));
            try
            {
                var restored = await new RestoreStoreOperation().RunAsync(context,
                    new RestoreStoreInput(member.Name, member.BackupId, Validate: input.Validate, Confirm: true), null, cancellationToken).ConfigureAwait(false);
                members.Add(new RestoreSetMember(member.Kind, member.Name, member.BackupId, "restored", null, null, restored.Validations));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                members.Add(new RestoreSetMember(member.Kind, member.Name, member.BackupId, "failed",
                    ex is PgArkException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}", null, []));
            }
        }
        return new RestoreSetResult(set.Id, members);
    }
}
