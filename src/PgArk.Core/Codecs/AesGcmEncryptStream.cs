using System.Buffers;
using System.Security.Cryptography;

namespace PgArk.Core.Codecs;

/// <summary>
/// Write-only stream that encrypts into <c>output</c> in the <see cref="EncryptionFormat"/>. A full chunk is held back
/// until more data arrives, because only <see cref="FinishAsync"/> knows which chunk is the last. Without
/// <see cref="FinishAsync"/> the output never gets its final chunk and so never authenticates: an abandoned write
/// cannot pass for a complete file. Memory is two chunk-sized pooled buffers whatever the file size; the output
/// stream is not disposed.
/// </summary>
internal sealed class AesGcmEncryptStream : Stream
{
    private readonly Stream _output;
    private readonly AesGcm _aes;
    private readonly int _chunkSize;
    private readonly byte[] _associatedData = new byte[EncryptionFormat.AssociatedDataSize];
    private readonly byte[] _nonce = new byte[EncryptionFormat.NonceSize];
    private byte[]? _plain;
    private byte[]? _cipher;
    private readonly int _associatedDataLength;
    private int _buffered;
    private long _index;
    private bool _headerWritten;
    private bool _finished;
    private bool _disposed;

    /// <param name="dataKey">The repository's 32-byte data key (not kept: only the derived file key is).</param>
    /// <param name="path">
    /// The file's final key relative to the repository root (not a temporary name): it is authenticated with every
    /// chunk, so the file reads back only from this path.
    /// </param>
    public AesGcmEncryptStream(Stream output, ReadOnlySpan<byte> dataKey, string path, int chunkSize = EncryptionFormat.DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _output = output;
        _chunkSize = chunkSize;
        Span<byte> header = stackalloc byte[EncryptionFormat.HeaderSize];
        EncryptionFormat.WriteHeader(header, chunkSize);
        _associatedDataLength = EncryptionFormat.BeginAssociatedData(header, path, _associatedData);
        Span<byte> fileKey = stackalloc byte[EncryptionFormat.KeySize];
        EncryptionFormat.DeriveFileKey(dataKey, _associatedData, fileKey);
        _aes = new AesGcm(fileKey, EncryptionFormat.TagSize);
        CryptographicOperations.ZeroMemory(fileKey);
        _plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        _cipher = ArrayPool<byte>.Shared.Rent(EncryptionFormat.HeaderSize + chunkSize + EncryptionFormat.TagSize);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_disposed && !_finished;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        while (!buffer.IsEmpty)
        {
            if (_buffered == _chunkSize)
            {
                _output.Write(SealChunk(final: false).Span);
            }
            buffer = Append(buffer);
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
        while (!buffer.IsEmpty)
        {
            if (_buffered == _chunkSize)
            {
                await _output.WriteAsync(SealChunk(final: false), cancellationToken).ConfigureAwait(false);
            }
            var before = buffer.Length;
            buffer = buffer[(before - Append(buffer.Span).Length)..];
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Encrypts the last chunk and writes it; the stream takes no more data afterwards.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        EnsureWritable();
        var last = SealChunk(final: true);
        _finished = true;
        await _output.WriteAsync(last, cancellationToken).ConfigureAwait(false);
        Release();
    }

    /// <summary>Synchronous <see cref="FinishAsync"/>.</summary>
    public void Finish()
    {
        EnsureWritable();
        var last = SealChunk(final: true);
        _finished = true;
        _output.Write(last.Span);
        Release();
    }

    // Only FinishAsync may end the content, so flushing pushes nothing partial: it just forwards.
    public override void Flush() => _output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Release();
            _aes.Dispose();
        }
        base.Dispose(disposing);
    }

    private ReadOnlySpan<byte> Append(ReadOnlySpan<byte> data)
    {
        var count = Math.Min(_chunkSize - _buffered, data.Length);
        data[..count].CopyTo(_plain.AsSpan(_buffered));
        _buffered += count;
        return data[count..];
    }

    /// <summary>Encrypts the buffered chunk; returns the bytes to write (the header first, for chunk 0).</summary>
    private ReadOnlyMemory<byte> SealChunk(bool final)
    {
        var start = 0;
        if (!_headerWritten)
        {
            // The header rides in front of chunk 0 so that a file is written in as few calls as possible.
            _associatedData.AsSpan(0, EncryptionFormat.HeaderSize).CopyTo(_cipher);
            start = EncryptionFormat.HeaderSize;
            _headerWritten = true;
        }
        var associatedData = _associatedData.AsSpan(0, _associatedDataLength);
        EncryptionFormat.PrepareChunk(_index, final, _nonce, associatedData);
        _aes.Encrypt(_nonce, _plain.AsSpan(0, _buffered), _cipher.AsSpan(start, _buffered),
            _cipher.AsSpan(start + _buffered, EncryptionFormat.TagSize), associatedData);
        var length = start + _buffered + EncryptionFormat.TagSize;
        _index++;
        _buffered = 0;
        return _cipher.AsMemory(0, length);
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            throw new InvalidOperationException("the encrypted stream is already finished");
        }
    }

    private void Release()
    {
        if (_plain is { } plain)
        {
            _plain = null;
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, Math.Min(plain.Length, _chunkSize)));
            ArrayPool<byte>.Shared.Return(plain);
        }
        if (_cipher is { } cipher)
        {
            _cipher = null;
            ArrayPool<byte>.Shared.Return(cipher);
        }
    }
}
