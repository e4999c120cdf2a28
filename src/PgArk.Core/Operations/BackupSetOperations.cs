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
        sets.Sort((a, b) => BackupSets.Compare(a.Id, b.Id));
        return new ListBackupSetsResult(repository.Name, sets);
    }
}

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

public sealed record RestoreSetInput(
    [property: Input("Backup set id, e.g. 20261204-020000X (default: the newest set).")] string? Set = null,
    [property: Input("After each store restore, compare counts and configuration with the backup (default true).")] bool Validate = true,
    [property: Input("Server → data directory to restore that server's backup into (default: the server's configured pgdata, which must be "
        + "stopped; files already there that match the backup are kept). Through the API each must be the server's pgdata or a new folder "
        + "inside restore.roots.")]
    IReadOnlyDictionary<string, string>? Pgdata = null,
    [property: Input("Check every member (set, backups, target folders, stopped servers) and show the plan; change nothing.")] bool DryRun = false,
    [property: Input(InputText.Confirm, Aliases = ["--yes", "-y"])] bool Confirm = false) : IConfirmedInput, IDryRunInput;

/// <param name="Status"><c>restored</c>, <c>failed</c>, <c>skipped</c> (the member failed at backup time), and in a dry run
/// <c>ready</c> or <c>refused</c> (see <paramref name="Error"/>).</param>
/// <param name="DataDirectory">For a server: the data directory its backup is (or would be) restored into.</param>
/// <param name="Note">For a server: what is left to do (start it; it recovers to the end of the set's backup and promotes).</param>
public sealed record RestoreSetMember(string Kind, string Name, string? BackupId, string Status, string? Error, string? DataDirectory, string? Note,
    IReadOnlyList<StoreValidation> Validations);

public sealed record RestoreSetResult(string Set, bool DryRun, IReadOnlyList<RestoreSetMember> Members);

/// <summary>
/// Restores a backup set: every member from the backup the set recorded. Each member is first checked (its backup exists, a
/// server's target folder is one the caller may write — the same <see cref="RestoreTargetPolicy"/> as <c>restore</c> — and no
/// PostgreSQL runs there), so a set that cannot be restored whole is refused before anything changes. Then the servers are
/// restored through <see cref="RestoreOperation"/> (a delta restore to the backup's end, promoting), and the stores through
/// <see cref="RestoreStoreOperation"/> (checksums first, then upload or load, then validation). A member that fails does not
/// stop the others; the set then fails and says which.
/// </summary>
public sealed class RestoreSetOperation : Operation<RestoreSetInput, RestoreSetResult>
{
    public override string Name => "restore_set";
    public override string Description =>
        "Restore a backup set (newest unless named): every PostgreSQL server (physical backup, to its end) and every Qdrant/Neo4j store it recorded.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/sets/{set}/restore", "Restore the servers and stores of a backup set (admin; \"confirm\": true)");

    public override RunFacts Facts(RestoreSetInput input, RestoreSetResult? result) => new() { Type = "set", BackupId = result?.Set ?? input.Set };

    public override OperationVerdict Verdict(RestoreSetResult result)
    {
        var failed = result.Members.Where(m => m.Status is "failed" or "refused" || m.Validations.Any(v => v.Problems.Count > 0)).ToList();
        if (failed.Count == 0)
        {
            return OperationVerdict.Success;
        }
        var kind = failed.Any(m => m.Status == "failed") ? ErrorKind.Failed
            : failed.Any(m => m.Status == "refused") ? ErrorKind.Refused : ErrorKind.Integrity;
        return OperationVerdict.Fail(kind, $"{(result.DryRun ? "dry run of the restore" : "restore")} of set '{result.Set}': " + string.Join("; ",
            failed.Select(m => $"{m.Kind} '{m.Name}': {m.Error ?? string.Join("; ", m.Validations.SelectMany(v => v.Problems))}")));
    }

    protected override async Task<RestoreSetResult> ExecuteAsync(OperationContext context, RestoreSetInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var set = await ReadSetAsync(context, input.Set, cancellationToken).ConfigureAwait(false);
        if (input.Pgdata?.Keys.FirstOrDefault(k => !set.Members.Any(m => m.Kind == "server" && m.Name == k)) is { } stray)
        {
            throw new UsageException($"pgdata names '{stray}', which is not a server of backup set '{set.Id}'",
                $"its servers: {string.Join(", ", set.Members.Where(m => m.Kind == "server").Select(m => m.Name).DefaultIfEmpty("none"))}");
        }
        // Servers first: their restore is the one most likely to be refused late, and the stores should not move ahead alone.
        var ordered = set.Members.OrderBy(m => m.Kind == "server" ? 0 : 1).ToList();
        var plans = new List<(BackupSetMember Member, string? DataDirectory, PgArkException? Problem)>();
        foreach (var member in ordered.Where(m => m.BackupId is not null))
        {
            var target = member.Kind == "server" ? TargetOf(context, input, member.Name) : null;
            plans.Add((member, target, await CheckMemberAsync(context, member, target, cancellationToken).ConfigureAwait(false)));
        }
        if (input.DryRun)
        {
            return new RestoreSetResult(set.Id, true, ordered.Select(m => plans.FirstOrDefault(p => p.Member == m) is { Member: not null } plan
                ? new RestoreSetMember(m.Kind, m.Name, m.BackupId, plan.Problem is null ? "ready" : "refused", plan.Problem?.Message, plan.DataDirectory,
                    plan.Problem?.Hint ?? (m.Kind == "server" ? ServerNote(m.BackupId!) : null), [])
                : Skipped(m)).ToList());
        }
        if (plans.FirstOrDefault(p => p.Problem is not null).Problem is { } problem)
        {
            // Nothing has changed yet: the whole set is refused with the member's own error (and exit code); --dry-run lists every problem.
            throw problem;
        }
        if (!input.Confirm)
        {
            throw new RefusedException($"restoring backup set '{set.Id}' replaces " + string.Join(", ", plans.Select(p =>
                p.Member.Kind == "server" ? $"the data directory '{p.DataDirectory}' of server '{p.Member.Name}'" : $"the data of store '{p.Member.Name}'")),
                "add --yes to confirm, or --dry-run to check the set first");
        }
        var members = new List<RestoreSetMember>();
        foreach (var member in ordered)
        {
            if (member.BackupId is null)
            {
                members.Add(Skipped(member));
                continue;
            }
            progress?.Report(new OperationProgress($"restoring {member.Kind} {member.Name}", 0, 0, members.Count, ordered.Count));
            var target = plans.First(p => p.Member == member).DataDirectory;
            try
            {
                if (member.Kind == "server")
                {
                    var restored = await new RestoreOperation().RunAsync(context, new RestoreInput(member.Name, target!, member.BackupId,
                        Target: "immediate", TargetAction: TargetAction.Promote, Delta: true), null, cancellationToken)
                        .ConfigureAwait(false);
                    members.Add(new RestoreSetMember(member.Kind, member.Name, member.BackupId, "restored", null, restored.DataDirectory,
                        ServerNote(member.BackupId), []));
                }
                else
                {
                    var restored = await new RestoreStoreOperation().RunAsync(context,
                        new RestoreStoreInput(member.Name, member.BackupId, Validate: input.Validate, Confirm: true), null, cancellationToken).ConfigureAwait(false);
                    members.Add(new RestoreSetMember(member.Kind, member.Name, member.BackupId, "restored", null, null, null, restored.Validations));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                members.Add(new RestoreSetMember(member.Kind, member.Name, member.BackupId, "failed",
                    ex is PgArkException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}", target, null, []));
            }
        }
        return new RestoreSetResult(set.Id, false, members);
    }

    private static async Task<BackupSetRecord> ReadSetAsync(OperationContext context, string? id, CancellationToken cancellationToken)
    {
        var repository = OperationContext.OpenRepository(context.Options.Repositories[0]);
        if (id is not null)
        {
            return await repository.ReadJsonAsync<BackupSetRecord>(BackupSets.Path(id), cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException($"backup set '{id}' not found in repository '{repository.Name}'", "see 'pgark list-backup-sets'");
        }
        var all = await new ListBackupSetsOperation().RunAsync(context, new ListBackupSetsInput(), null, cancellationToken).ConfigureAwait(false);
        return all.Sets.Count > 0 ? all.Sets[^1]
            : throw new NotFoundException($"no backup sets in repository '{repository.Name}'", "take one with 'pgark backup-set'");
    }

    private static string TargetOf(OperationContext context, RestoreSetInput input, string server) =>
        input.Pgdata?.GetValueOrDefault(server) ?? context.Options.Servers.FirstOrDefault(s => s.Name == server)?.PgData ?? "";

    /// <summary>Why the member cannot be restored as asked, or null. Reads only.</summary>
    private static async Task<PgArkException?> CheckMemberAsync(OperationContext context, BackupSetMember member, string? target,
        CancellationToken cancellationToken)
    {
        try
        {
            if (member.Kind == "server")
            {
                var server = context.GetServer(member.Name);
                RestoreTargetPolicy.Check(context.Caller, context.Options, server, target!, delta: true);
                if (File.Exists(Path.Combine(target!, "postmaster.pid")))
                {
                    throw new RefusedException($"server '{server.Name}' is running in '{target}' (postmaster.pid exists)",
                        "stop it first (pg_ctl stop): a set restore rewrites its data directory, or name another folder with pgdata");
                }
                foreach (var repository in context.RepositoriesFor(server, null))
                {
                    if ((await repository.ListBackupHeadersAsync(server.Name, cancellationToken).ConfigureAwait(false)).Any(b => b.Id == member.BackupId))
                    {
                        return null;
                    }
                }
                throw new NotFoundException($"backup '{member.BackupId}' of server '{server.Name}' is in none of its repositories",
                    "it may have been expired; see 'pgark list-backups'");
            }
            var store = context.Options.GetStore(member.Name);
            await context.StoreCatalogFor(store).FindAsync(store.Name, member.BackupId, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (PgArkException ex)
        {
            return ex;
        }
    }

    private static string ServerNote(string backupId) =>
        $"start the server: it recovers to the end of backup {backupId} (recovery_target immediate) and is promoted";

    private static RestoreSetMember Skipped(BackupSetMember m) => new(m.Kind, m.Name, null, "skipped", m.Error, null, null, []);
}
