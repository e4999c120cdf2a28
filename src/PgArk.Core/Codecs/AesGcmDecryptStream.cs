using System.Buffers;
using System.Security.Cryptography;
using PgArk.Core.Errors;

namespace PgArk.Core.Codecs;

/// <summary>
/// Read-only stream that decrypts a file in the <see cref="EncryptionFormat"/>. Each chunk is authenticated before any
/// of its bytes are returned, so altered data never reaches the caller; any failure (altered, truncated, reordered,
/// spliced, wrong key) is an <see cref="IntegrityException"/> naming the file. One byte is read ahead past every chunk
/// to learn whether it is the last. Disposing it disposes the input.
/// </summary>
internal sealed class AesGcmDecryptStream : Stream
{
    private readonly Stream _input;
    private readonly string _path;
    private readonly string _file;
    private readonly byte[] _dataKey;
    private readonly byte[] _associatedData = new byte[EncryptionFormat.AssociatedDataSize];
    private readonly byte[] _nonce = new byte[EncryptionFormat.NonceSize];
    private AesGcm? _aes;
    private int _chunkSize;
    private int _associatedDataLength;
    private byte _version;
    private readonly byte _minimumVersion;
    private byte[]? _cipher;
    private int _cipherCount;
    private byte[]? _plain;
    private int _plainStart;
    private int _plainEnd;
    private long _index;
    private bool _ended;
    private bool _disposed;
    private IntegrityException? _failure;

    /// <param name="path">The file's key relative to the repository root, which format 2 authenticates.</param>
    /// <param name="file">How messages name the file (repository location and path); <paramref name="path"/> when null.</param>
    /// <param name="minimumVersion">The oldest format accepted: a repository created with format 2 refuses format-1 files.</param>
    public AesGcmDecryptStream(Stream input, ReadOnlySpan<byte> dataKey, string path, string? file = null,
        byte minimumVersion = EncryptionFormat.UnboundVersion)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _input = input;
        _path = path;
        _file = file ?? path;
        _minimumVersion = minimumVersion;
        _dataKey = dataKey.ToArray();
    }

    public override bool CanRead => !_disposed;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        EnsureReadable();
        while (_plainStart == _plainEnd && !_ended)
        {
            if (_aes is null)
            {
                Start(FillSync(EncryptionFormat.HeaderSize));
            }
            else
            {
                OpenChunk(FillSync(RecordSize + 1));
            }
        }
        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        while (_plainStart == _plainEnd && !_ended)
        {
            if (_aes is null)
            {
                Start(await FillAsync(EncryptionFormat.HeaderSize, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                OpenChunk(await FillAsync(RecordSize + 1, cancellationToken).ConfigureAwait(false));
            }
        }
        return CopyOut(buffer.Span);
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            Release();
            _input.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            Release();
            await _input.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }

    private int RecordSize => _chunkSize + EncryptionFormat.TagSize;

    private void Start(bool complete)
    {
        if (!complete && !EncryptionFormat.StartsLikePlainFile(_cipher.AsSpan(0, _cipherCount)))
        {
            throw Fail($"repository file '{_file}' is truncated: it ends inside its encryption header");
        }
        var header = _cipher.AsSpan(0, EncryptionFormat.HeaderSize);
        try
        {
            _chunkSize = EncryptionFormat.ReadHeader(_cipher.AsSpan(0, _cipherCount), _file);
        }
        catch (IntegrityException ex)
        {
            _failure = ex;
            throw;
        }
        _version = header[8];
        if (_version < _minimumVersion)
        {
            throw Fail($"repository file '{_file}' has encryption format {_version}, which does not bind its path, but its repository was created with format {_minimumVersion}: the file was replaced");
        }
        _associatedDataLength = EncryptionFormat.BeginAssociatedData(header, _path, _associatedData);
        Span<byte> fileKey = stackalloc byte[EncryptionFormat.KeySize];
        EncryptionFormat.DeriveFileKey(_dataKey, header, fileKey);
        _aes = new AesGcm(fileKey, EncryptionFormat.TagSize);
        CryptographicOperations.ZeroMemory(fileKey);
        CryptographicOperations.ZeroMemory(_dataKey);
        ArrayPool<byte>.Shared.Return(_cipher!);
        _cipher = ArrayPool<byte>.Shared.Rent(RecordSize + 1);
        _plain = ArrayPool<byte>.Shared.Rent(_chunkSize);
        _cipherCount = 0;
    }

    /// <summary>Decrypts the record at the start of the cipher buffer. A full buffer (record plus one byte) means more follows.</summary>
    private void OpenChunk(bool more)
    {
        var length = more ? RecordSize : _cipherCount;
        if (length < EncryptionFormat.TagSize)
        {
            throw Fail($"repository file '{_file}' is truncated: its last encrypted chunk is incomplete");
        }
        var plainLength = length - EncryptionFormat.TagSize;
        var associatedData = _associatedData.AsSpan(0, _associatedDataLength);
        EncryptionFormat.PrepareChunk(_index, final: !more, _nonce, associatedData);
        try
        {
            _aes!.Decrypt(_nonce, _cipher.AsSpan(0, plainLength), _cipher.AsSpan(plainLength, EncryptionFormat.TagSize),
                _plain.AsSpan(0, plainLength), associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            // Chunk 0 of a format-2 file is where a file moved from another path fails, so say so there.
            throw Fail(_version != EncryptionFormat.UnboundVersion && _index == 0
                ? $"repository file '{_file}' failed authentication at encrypted chunk 0: it was altered, was written under another path (moved, renamed or swapped with another file), or belongs to another repository"
                : $"repository file '{_file}' failed authentication at encrypted chunk {_index}: it was altered, truncated or reordered, or belongs to another repository");
        }
        _index++;
        _plainStart = 0;
        _plainEnd = plainLength;
        if (more)
        {
            _cipher![0] = _cipher[RecordSize];
            _cipherCount = 1;
        }
        else
        {
            _ended = true;
        }
    }

    /// <summary>Reads until the buffer holds <paramref name="wanted"/> bytes or the input ends; true when it holds them.</summary>
    private bool FillSync(int wanted)
    {
        _cipher ??= ArrayPool<byte>.Shared.Rent(wanted);
        while (_cipherCount < wanted)
        {
            var read = _input.Read(_cipher, _cipherCount, wanted - _cipherCount);
            if (read == 0)
            {
                return false;
            }
            _cipherCount += read;
        }
        return true;
    }

    private async ValueTask<bool> FillAsync(int wanted, CancellationToken cancellationToken)
    {
        _cipher ??= ArrayPool<byte>.Shared.Rent(wanted);
        while (_cipherCount < wanted)
        {
            var read = await _input.ReadAsync(_cipher.AsMemory(_cipherCount, wanted - _cipherCount), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }
            _cipherCount += read;
        }
        return true;
    }

    private int CopyOut(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, count).CopyTo(buffer);
        _plainStart += count;
        return count;
    }

    private IntegrityException Fail(string message)
    {
        _failure = new IntegrityException(message);
        return _failure;
    }

    private void EnsureReadable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw _failure;
        }
    }

    private void Release()
    {
        _disposed = true;
        _aes?.Dispose();
        CryptographicOperations.ZeroMemory(_dataKey);
        if (_cipher is { } cipher)
        {
            _cipher = null;
            ArrayPool<byte>.Shared.Return(cipher);
        }
        if (_plain is { } plain)
        {
            _plain = null;
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, Math.Min(plain.Length, _chunkSize)));
            ArrayPool<byte>.Shared.Return(plain);
        }
    }
}
