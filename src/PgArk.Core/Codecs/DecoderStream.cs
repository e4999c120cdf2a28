using System.Buffers;
using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>
/// Read-only stream that pulls compressed bytes from <c>input</c> in large chunks and decodes them straight into the
/// caller's buffer. Derived classes only translate between spans and the native library. Running out of input in the
/// middle of a frame is reported as truncation; decoder errors become <see cref="IntegrityException"/>.
/// </summary>
internal abstract class DecoderStream : Stream
{
    private const int InputBufferSize = 256 * 1024;

    private readonly Stream _input;
    private readonly bool _leaveOpen;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _inputEnded;
    private IntegrityException? _failure;

    protected DecoderStream(Stream input, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.CanRead)
        {
            throw new ArgumentException("The input stream is not readable.", nameof(input));
        }

        _input = input;
        _leaveOpen = leaveOpen;
        _buffer = ArrayPool<byte>.Shared.Rent(InputBufferSize);
    }

    public override bool CanRead => _buffer is not null;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Codec name used in error messages ("zstd", "lz4").</summary>
    protected abstract string CodecName { get; }

    /// <summary>
    /// Decodes from <paramref name="input"/> into <paramref name="output"/>; returns how much input was consumed.
    /// Sets <paramref name="frameComplete"/> to true when the call ended a frame with no decoded data left inside the
    /// decoder. Throws <see cref="IntegrityException"/> on corrupt data.
    /// </summary>
    protected abstract int Decode(ReadOnlySpan<byte> input, Span<byte> output, out int written, out bool frameComplete);

    /// <summary>Frees the native context.</summary>
    protected abstract void ReleaseDecoder();

    /// <summary>True after the last frame seen so far was completely decoded (false before any frame).</summary>
    private bool FrameComplete { get; set; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        EnsureReadable();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var produced = DecodeBuffered(buffer);
            if (produced > 0)
            {
                return produced;
            }

            if (_inputEnded)
            {
                return Finish();
            }

            _start = 0;
            _end = _input.Read(_buffer!, 0, _buffer!.Length);
            _inputEnded = _end == 0;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var produced = DecodeBuffered(buffer.Span);
            if (produced > 0)
            {
                return produced;
            }

            if (_inputEnded)
            {
                return Finish();
            }

            _start = 0;
            _end = await _input.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            _inputEnded = _end == 0;
        }
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is not null)
        {
            Release();
            if (!_leaveOpen)
            {
                _input.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_buffer is not null)
        {
            Release();
            if (!_leaveOpen)
            {
                await _input.DisposeAsync().ConfigureAwait(false);
            }
        }

        GC.SuppressFinalize(this);
    }

    private int DecodeBuffered(Span<byte> destination)
    {
        while (true)
        {
            int consumed;
            int written;
            bool frameComplete;
            try
            {
                consumed = Decode(_buffer.AsSpan(_start, _end - _start), destination, out written, out frameComplete);
            }
            catch (IntegrityException ex)
            {
                _failure = ex;
                throw;
            }

            _start += consumed;
            // A call that neither consumed nor produced anything says nothing new about the frame state (zstd, for
            // one, asks for the next frame's header once a frame is done).
            if (consumed > 0 || written > 0)
            {
                FrameComplete = frameComplete;
            }

            if (written > 0 || _start == _end)
            {
                return written;
            }

            if (consumed == 0)
            {
                throw Fail("the decoder made no progress");
            }
        }
    }

    private int Finish()
    {
        if (!FrameComplete)
        {
            throw Fail("compressed data is truncated");
        }

        return 0;
    }

    private IntegrityException Fail(string reason)
    {
        _failure = new IntegrityException($"{CodecName} decompression failed: {reason}");
        return _failure;
    }

    private void EnsureReadable()
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (_failure is not null)
        {
            throw _failure;
        }
    }

    private void Release()
    {
        var buffer = _buffer;
        _buffer = null;
        ReleaseDecoder();
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
