using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
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
        var archive = server.ArchiveOrDefault;
        if (archive.Async)
        {
            // No repository is opened here: the pusher stores the file, this call only waits for its verdict.
            var spool = new WalArchiveSpool(archive.Spool, server.Name);
            var walFolder = Path.GetDirectoryName(Path.GetFullPath(input.WalPath))!;
            var client = new WalAsyncPushClient(spool, ct => StartPusherAsync(context, server.Name, walFolder, spool, ct));
            await client.PushAsync(input.WalPath, archive.Timeout, cancellationToken).ConfigureAwait(false);
            return new ArchivePushResult(Path.GetFileName(input.WalPath), [WalPushOutcome.Stored]);
        }
        var archiver = new WalArchiver(context.CreateLogger("PgArk.ArchivePush"));
        var outcomes = await archiver.PushAsync(server.Name, input.WalPath, context.RepositoriesFor(server), cancellationToken).ConfigureAwait(false);
        return new ArchivePushResult(Path.GetFileName(input.WalPath), outcomes);
    }

    /// <summary>
    /// Starts <c>pgark archive-pusher</c> in a session of its own (PostgreSQL signals the archiver's process group when it
    /// stops; the pusher finishes its work instead), its output appended to the spool's log.
    /// </summary>
    private static async Task StartPusherAsync(OperationContext context, string server, string walFolder, WalArchiveSpool spool,
        CancellationToken cancellationToken)
    {
        spool.EnsureFolder();
        var command = $"{context.SelfCommand} --config {SelfCommand.ShellQuote(context.Options.SourcePath)} archive-pusher " +
            $"--server {SelfCommand.ShellQuote(server)} --wal-folder {SelfCommand.ShellQuote(walFolder)}";
        var shell = $"setsid {command} </dev/null >>{SelfCommand.ShellQuote(spool.LogPath)} 2>&1 &";
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(shell);
        using var process = System.Diagnostics.Process.Start(start)
            ?? throw new PgArkException(Errors.ErrorKind.Failed, "unable to start the asynchronous WAL pusher");
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }
}
