using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using PgArk.Core.Operations.Runs;

namespace PgArk.Core.Operations;

/// <param name="Repository">Only this repository (default: each repository of the server).</param>
public sealed record DumpInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input(InputText.Database, Aliases = ["-d"])] string Database,
    [property: Input("full, schema or data.")] DumpMode Mode = DumpMode.Full,
    [property: Input(InputText.Tables, Aliases = ["--table", "-t"])] IReadOnlyList<string>? Tables = null,
    [property: Input("Parallel pg_dump workers (directory format only).", Aliases = ["-j"])] int Jobs = 0,
    [property: Input(InputText.Label)] string? Label = null,
    [property: Input("custom (one file, streamed into the repository) or directory (parallel).")] DumpFormat Format = DumpFormat.Custom,
    [property: Input(InputText.Repository, Aliases = ["--repo"])] string? Repository = null) : IServerInput, IDatabaseInput;

/// <summary>
/// Takes a logical dump (pg_dump) of one database into each repository of the server, one pg_dump per repository in
/// configuration order; the manifest of the first is returned. A failing repository is reported after the others.
/// </summary>
public sealed class DumpOperation : Operation<DumpInput, DumpManifest>
{
    public override string Name => "dump";
    public override string Description => "Take a logical dump (pg_dump) of a database: full, schema or data, optionally chosen tables.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/servers/{server}/dumps", "Start a logical dump of one database (body: database, mode, tables)");

    public override RunFacts Facts(DumpInput input, DumpManifest? result) => result is null
        ? RunFacts.Of(input) with { Type = RunFacts.Lower(input.Mode), Label = input.Label }
        : RunFacts.Of(input) with
        {
            BackupId = result.Id, Database = result.Database, Type = RunFacts.Lower(result.Mode), Label = result.Label, SizeBytes = result.Size,
            StoredBytes = result.StoredSize, Checksum = RunFacts.Sha256(PgArkJson.Serialize(result)),
        };

    protected override async Task<DumpManifest> ExecuteAsync(OperationContext context, DumpInput input, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var logger = context.CreateLogger("PgArk.Dump");
        var dumpLock = await DumpLock.AcquireAsync(context.Options.LockPath, server.Name, cancellationToken).ConfigureAwait(false);
        await using var dumpLockScope = dumpLock.ConfigureAwait(false);
        var attempts = await RepositoryFanOut.RunEachAsync(context.RepositoriesFor(server, input.Repository), repository =>
            new DumpRunner(server, repository, logger).RunAsync(
                new DumpRequest(input.Database, input.Mode, input.Tables, input.Jobs, input.Label, input.Format), progress, cancellationToken),
            logger, cancellationToken).ConfigureAwait(false);
        RepositoryFanOut.ThrowIfAnyFailed(attempts, "dump", m => $"dump {m.Id}");
        return attempts[0].Result!;
    }
}
