using PgArk.Core.Common;
using PgArk.Core.Wal;

namespace PgArk.Core.Operations;

public sealed record ArchivePushInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("Path of the WAL file to archive (%p).")] string WalPath);

public sealed record ArchivePushResult(string WalFile, IReadOnlyList<WalPushOutcome> Outcomes);

/// <summary>archive_command: store one WAL file in every repository of the server.</summary>
public sealed class ArchivePushOperation : Operation<ArchivePushInput, ArchivePushResult>
{
    public override string Name => "archive_push";
    public override string Description => "Store a WAL file in the repositories (PostgreSQL's archive_command).";
    public override OperationRole Role => OperationRole.Operator;
    // One call per WAL segment, retried by PostgreSQL itself: recording each would cost more than the push.
    public override bool RecordsRuns => false;
    public override bool Registered => false;

    protected override async Task<ArchivePushResult> ExecuteAsync(OperationContext context, ArchivePushInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var archiver = new WalArchiver(context.CreateLogger("PgArk.ArchivePush"));
        var outcomes = await archiver.PushAsync(server.Name, input.WalPath, context.RepositoriesFor(server), cancellationToken).ConfigureAwait(false);
        return new ArchivePushResult(Path.GetFileName(input.WalPath), outcomes);
    }
}

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
