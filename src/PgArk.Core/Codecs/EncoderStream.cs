using System.Buffers;

namespace PgArk.Core.Codecs;

/// <summary>
/// Write-only stream that feeds a block encoder and writes its output to <c>output</c> in large chunks. Derived
/// classes only translate between spans and the native library; buffering, draining, flushing and disposal live here.
/// The frame is finished on Dispose/DisposeAsync; nothing is finished if an earlier write failed.
/// </summary>
internal abstract class EncoderStream : Stream
{
    private const int OutputBufferSize = 1024 * 1024;

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private byte[]? _buffer;
    private int _buffered;
    private bool _disposed;
    private bool _finished;
    private bool _faulted;

    protected EncoderStream(Stream output, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanWrite)
        {
            throw new ArgumentException("The output stream is not writable.", nameof(output));
        }

        _output = output;
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_disposed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Output space <see cref="Encode"/> and <see cref="EncodeFlush"/> need to be guaranteed progress.</summary>
    protected abstract int MinOutputSpace { get; }

    /// <summary>Encodes a prefix of <paramref name="input"/>; returns how much of it was consumed.</summary>
    protected abstract int Encode(ReadOnlySpan<byte> input, Span<byte> output, out int written);

    /// <summary>Flushes (or, with <paramref name="end"/>, ends) the frame; returns true once everything is out.</summary>
    protected abstract bool EncodeFlush(Span<byte> output, bool end, out int written);

    /// <summary>Frees the native context.</summary>
    protected abstract void ReleaseEncoder();

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        try
        {
            while (!buffer.IsEmpty)
            {
                if (FreeSpace < MinOutputSpace)
                {
                    Drain();
                }

                var consumed = Encode(buffer, FreeBuffer, out var written);
                _buffered += written;
                buffer = buffer[consumed..];
            }
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        try
        {
            while (!buffer.IsEmpty)
            {
                if (FreeSpace < MinOutputSpace)
                {
                    await DrainAsync(cancellationToken).ConfigureAwait(false);
                }

                var consumed = Encode(buffer.Span, FreeBuffer, out var written);
                _buffered += written;
                buffer = buffer[consumed..];
            }
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Makes everything written so far decodable by a reader and flushes it to the output stream.</summary>
    public override void Flush()
    {
        EnsureWritable();
        try
        {
            FlushEncoder(end: false);
            Drain();
            _output.Flush();
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        EnsureWritable();
        try
        {
            await FlushEncoderAsync(end: false, cancellationToken).ConfigureAwait(false);
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

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
                if (!_finished && !_faulted)
                {
                    _finished = true;
                    FlushEncoder(end: true);
                    Drain();
                    _output.Flush();
                }
            }
            finally
            {
                Release();
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
                if (!_finished && !_faulted)
                {
                    _finished = true;
                    await FlushEncoderAsync(end: true, CancellationToken.None).ConfigureAwait(false);
                    await DrainAsync(CancellationToken.None).ConfigureAwait(false);
                    await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                Release();
                if (!_leaveOpen)
                {
                    await _output.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        GC.SuppressFinalize(this);
    }

    private int FreeSpace => OutputBuffer.Length - _buffered;

    private Span<byte> FreeBuffer => OutputBuffer.AsSpan(_buffered);

    // Rented on first use, when the derived encoder knows its worst-case output size.
    private byte[] OutputBuffer => _buffer ??= ArrayPool<byte>.Shared.Rent(Math.Max(OutputBufferSize, 2 * MinOutputSpace));

    private void FlushEncoder(bool end)
    {
        while (true)
        {
            if (FreeSpace < MinOutputSpace)
            {
                Drain();
            }

            var done = EncodeFlush(FreeBuffer, end, out var written);
            _buffered += written;
            if (done)
            {
                return;
            }

            Drain();
        }
    }

    private async ValueTask FlushEncoderAsync(bool end, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (FreeSpace < MinOutputSpace)
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
            }

            var done = EncodeFlush(FreeBuffer, end, out var written);
            _buffered += written;
            if (done)
            {
                return;
            }

            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Drain()
    {
        if (_buffered > 0)
        {
            _output.Write(_buffer!, 0, _buffered);
            _buffered = 0;
        }
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_buffered > 0)
        {
            await _output.WriteAsync(_buffer.AsMemory(0, _buffered), cancellationToken).ConfigureAwait(false);
            _buffered = 0;
        }
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    private void Release()
    {
        var buffer = _buffer;
        _buffer = null;
        ReleaseEncoder();
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
