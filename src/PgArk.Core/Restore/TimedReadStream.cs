using System.Diagnostics;

namespace PgArk.Core.Restore;

/// <summary>
/// Read-only pass-through that sums the time its reads take, so a profile can tell the repository's reads apart from
/// the decompression that pulls them (the decoder's own time is its read time minus this one's).
/// </summary>
internal sealed class TimedReadStream(Stream inner) : Stream
{
    public long Ticks { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var start = Stopwatch.GetTimestamp();
        var n = inner.Read(buffer);
        Ticks += Stopwatch.GetTimestamp() - start;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Ticks += Stopwatch.GetTimestamp() - start;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
