using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Streaming;

namespace PgArk.Core.Operations;

public sealed record StreamInput(
    [property: Input(InputText.Server)] string Server) : IServerInput;

/// <param name="Slot">The replication slot, also the streamer's application_name (for synchronous_standby_names).</param>
/// <param name="FlushedLsn">End of the WAL durable in every repository when the stream stopped.</param>
public sealed record StreamResult(string Server, string Slot, uint Timeline, string FlushedLsn, int SegmentsStored, int PartialsStored, int Reconnects);

/// <summary>
/// Streams the server's WAL into its repositories until stopped (SIGTERM, Ctrl-C, job cancellation); see
/// docs/streaming.md. <c>pgark serve</c> runs one for every server with <c>stream: true</c>.
/// </summary>
public sealed class StreamOperation : Operation<StreamInput, StreamResult>
{
    public override string Name => "stream";
    public override string Description =>
        "Stream the server's WAL into the repositories over a replication slot (pgark_<server>) until stopped; the newest segment is kept as a .partial copy, and the flush position reported is what the repositories hold.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;

    protected override async Task<StreamResult> ExecuteAsync(OperationContext context, StreamInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var server = context.GetServer(input.Server);
        var streamer = new WalStreamer(server.Name, server.Connection, context.RepositoriesFor(server), context.CreateLogger("PgArk.Stream"))
        {
            Flushed = lsn => progress?.Report(new OperationProgress("streaming", (long)lsn.Value, 0)),
        };
        var summary = await streamer.RunAsync(cancellationToken).ConfigureAwait(false);
        return new StreamResult(server.Name, summary.Slot, summary.Timeline, summary.FlushedLsn, summary.SegmentsStored, summary.PartialsStored,
            summary.Reconnects);
    }
}
