using System.IO.Compression;

namespace PgArk.Core.Codecs;

/// <summary>
/// <see cref="GZipStream"/> for writing, plus one fix: GZipStream writes nothing at all when no data was written,
/// which no gzip reader accepts, so an empty input produces the standard empty member instead.
/// </summary>
internal sealed class GzipEncoderStream : Stream
{
    // RFC 1952 member for no data: header (no name, mtime 0, OS unix), an empty final fixed-Huffman block,
    // CRC-32 0 and length 0.
    private static readonly byte[] s_emptyMember =
        [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly GZipStream _gzip;
    private bool _wroteData;
    private bool _disposed;

    public GzipEncoderStream(Stream output, int level, bool leaveOpen)
    {
        _output = output;
        _leaveOpen = leaveOpen;
        _gzip = new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_disposed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _gzip.Write(buffer);
        _wroteData |= !buffer.IsEmpty;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gzip.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _wroteData |= !buffer.IsEmpty;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush() => _gzip.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _gzip.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                _gzip.Dispose();
                if (!_wroteData)
                {
                    _output.Write(s_emptyMember);
                }
            }
            finally
            {
                if (!_leaveOpen)
                {
                    _output.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            try
            {
                await _gzip.DisposeAsync().ConfigureAwait(false);
                if (!_wroteData)
                {
                    await _output.WriteAsync(s_emptyMember).ConfigureAwait(false);
                }
            }
            finally
            {
                if (!_leaveOpen)
                {
                    await _output.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        GC.SuppressFinalize(this);
    }
}
