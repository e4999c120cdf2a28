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
