using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Restore;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

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
