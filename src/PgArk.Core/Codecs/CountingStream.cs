namespace PgArk.Core.Codecs;

/// <summary>
/// Counts the bytes read from or written to the inner stream, e.g. placed under a compressor to learn a file's
/// stored (compressed) size.
/// </summary>
internal sealed class CountingStream(Stream inner, bool leaveOpen) : ForwardingStream(inner, leaveOpen)
{
    /// <summary>Bytes that passed through so far, in either direction.</summary>
    public long BytesProcessed { get; private set; }

    protected override void OnRead(ReadOnlySpan<byte> data) => BytesProcessed += data.Length;

    protected override void OnWritten(ReadOnlySpan<byte> data) => BytesProcessed += data.Length;
}
