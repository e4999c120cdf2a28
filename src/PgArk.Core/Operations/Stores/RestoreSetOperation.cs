using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Restore;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

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
