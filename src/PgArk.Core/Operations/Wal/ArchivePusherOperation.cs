using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Wal;

namespace PgArk.Core.Operations;

public sealed record ArchivePusherInput(
    [property: Input(InputText.Server)] string Server,
    [property: Input("The pg_wal folder whose ready files to push (default: the server's pgdata/pg_wal).")] string? WalFolder);

public sealed record ArchivePusherResult(bool Ran);

/// <summary>
/// The asynchronous archiving pusher (<c>archive.async: true</c>): started by archive-push when none runs, pushes every
/// ready WAL file in parallel and records each outcome in the spool, exits after a while without work.
/// </summary>
public sealed class ArchivePusherOperation : Operation<ArchivePusherInput, ArchivePusherResult>
{
    /// <summary>How long a pusher waits for new ready files before it exits.</summary>
    public static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(30);

    public override string Name => "archive_pusher";
    public override string Description => "Push every ready WAL file ahead of PostgreSQL (asynchronous archiving).";
    public override OperationRole Role => OperationRole.Operator;
    public override bool RecordsRuns => false;
    public override bool Registered => false;

    protected override async Task<ArchivePusherResult> ExecuteAsync(OperationContext context, ArchivePusherInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var archive = server.ArchiveOrDefault;
        var logger = context.CreateLogger("PgArk.ArchivePusher");
        var spool = new WalArchiveSpool(archive.Spool, server.Name);
        var pusher = new WalAsyncPusher(spool, new WalArchiver(logger), logger);
        var walFolder = input.WalFolder ?? Path.Combine(server.PgData, "pg_wal");
        var ran = await pusher.RunAsync(server.Name, walFolder, context.RepositoriesFor(server), archive.Processes, IdleExit, cancellationToken)
            .ConfigureAwait(false);
        return new ArchivePusherResult(ran);
    }
}
