using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Wal;

namespace PgArk.Core.Operations;

public sealed record ArchiveGetInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Name of the WAL file to fetch (%f).")] string WalName,
    [property: Input("Where to write it (%p).")] string Destination);

public sealed record ArchiveGetResult(string WalFile, string Repository);

/// <summary>restore_command: fetch one WAL file from the first repository that has it.</summary>
public sealed class ArchiveGetOperation : Operation<ArchiveGetInput, ArchiveGetResult>
{
    public override string Name => "archive_get";
    public override string Description => "Fetch a WAL file from the repositories (PostgreSQL's restore_command).";
    public override OperationRole Role => OperationRole.Operator;
    public override bool RecordsRuns => false;
    public override bool Registered => false;

    protected override async Task<ArchiveGetResult> ExecuteAsync(OperationContext context, ArchiveGetInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var archiver = new WalArchiver(context.CreateLogger("PgArk.ArchiveGet"));
        var repository = await archiver.GetAsync(server.Name, input.WalName, input.Destination, context.RepositoriesFor(server),
            server.RestorePrefetch, cancellationToken).ConfigureAwait(false);
        return new ArchiveGetResult(input.WalName, repository);
    }
}
