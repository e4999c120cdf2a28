using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Physical;

namespace PgArk.Core.Operations;

/// <param name="Repository">Only this repository of the server (default: each of them).</param>
public sealed record BackupInput(string Server, BackupType Type = BackupType.Full, string? Label = null, int Jobs = 0,
    TimeSpan? ArchiveTimeout = null, bool ChecksumAll = false, string? Repository = null);

/// <summary>
/// Takes a physical backup of a server into each of its repositories, one after the other in configuration order: every
/// repository then holds complete, independent chains (an incremental builds on that repository's own newest backup),
/// so losing one repository never breaks another. A repository that fails is reported after the others got theirs.
/// </summary>
public sealed class BackupOperation : Operation<BackupInput, BackupResult>
{
    public override string Name => "backup";
    public override string Description => "Take a physical backup of a server (full, diff against the newest full, or incr against the newest backup), with the WAL up to its end point.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;

    protected override async Task<BackupResult> ExecuteAsync(OperationContext context, BackupInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var logger = context.CreateLogger("PgArk.Backup");
        var attempts = await RepositoryFanOut.RunEachAsync(context.RepositoriesFor(server, input.Repository), async repository =>
        {
            var runner = new BaseBackupRunner(repository, logger);
            var result = await runner.RunAsync(new BackupTarget(server.Name, server.Connection, server.PgData, context.Options.LockPath),
                new BackupOptions(input.Type, input.Label, input.Jobs, input.ArchiveTimeout, ChecksumAll: input.ChecksumAll), progress, cancellationToken)
                .ConfigureAwait(false);
            return result with { Repository = repository.Name };
        }, logger, cancellationToken).ConfigureAwait(false);
        RepositoryFanOut.ThrowIfAnyFailed(attempts, "backup", r => $"backup {r.Manifest.Id}");
        var results = attempts.Select(a => a.Result!).ToList();
        return results[0] with { Others = results.Skip(1).ToList() };
    }
}
