using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Physical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <summary>
/// What <c>backup</c> takes on every front end (JSON arguments, the generated <c>pgark backup</c> options): JSON-native,
/// so the archive timeout is whole seconds (<c>--archive-timeout</c> on the command line, as DESIGN.md documents it).
/// </summary>
public sealed record BackupInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("full, diff (against the newest full) or incr (against the newest backup).", Aliases = ["-t"])] BackupType Type = BackupType.Full,
    [property: Input(InputText.Label)] string? Label = null,
    [property: Input(InputText.Jobs, Aliases = ["-j"])] int Jobs = 0,
    [property: Input(InputText.ArchiveTimeout, Aliases = ["--archive-timeout"])] int? ArchiveTimeoutSeconds = null,
    [property: Input("diff/incr: compare every file by content (SHA-256) instead of trusting unchanged size and time.")] bool ChecksumAll = false,
    [property: Input(InputText.Repository, Aliases = ["--repo"])] string? Repository = null) : IServerInput;

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
    public override OperationRoute Route => new("POST", "/api/servers/{server}/backups", "Start a physical backup (body: type, label, jobs); answers 202 with a job");

    public override RunFacts Facts(BackupInput input, BackupResult? result) => result is null
        ? RunFacts.Of(input) with { Type = RunFacts.Lower(input.Type), Label = input.Label }
        : RunFacts.Of(input) with
        {
            BackupId = result.Manifest.Id, Type = RunFacts.Lower(result.Manifest.Type), Label = result.Manifest.Label,
            SizeBytes = result.Manifest.Size, StoredBytes = result.Manifest.StoredSize,
            Checksum = RunFacts.Sha256(PgArkJson.Serialize(result.Manifest)), StartLsn = result.Manifest.StartLsn, StopLsn = result.Manifest.StopLsn,
        };

    protected override async Task<BackupResult> ExecuteAsync(OperationContext context, BackupInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (input.Jobs < 0)
        {
            throw new UsageException($"jobs must be 0 (one per core) or more, not {input.Jobs}");
        }
        var archiveTimeout = InputValues.Seconds(input.ArchiveTimeoutSeconds, "archive_timeout_seconds");
        var server = context.GetServer(input.Server);
        var logger = context.CreateLogger("PgArk.Backup");
        var attempts = await RepositoryFanOut.RunEachAsync(context.RepositoriesFor(server, input.Repository), async repository =>
        {
            var runner = new BaseBackupRunner(repository, logger);
            var result = await runner.RunAsync(new BackupTarget(server.Name, server.Connection, server.PgData, context.Options.LockPath),
                new BackupOptions(input.Type, input.Label, input.Jobs, archiveTimeout, ChecksumAll: input.ChecksumAll), progress, cancellationToken)
                .ConfigureAwait(false);
            return result with { Repository = repository.Name };
        }, logger, cancellationToken).ConfigureAwait(false);
        RepositoryFanOut.ThrowIfAnyFailed(attempts, "backup", r => $"backup {r.Manifest.Id}");
        var results = attempts.Select(a => a.Result!).ToList();
        return results[0] with { Others = results.Skip(1).ToList() };
    }
}
