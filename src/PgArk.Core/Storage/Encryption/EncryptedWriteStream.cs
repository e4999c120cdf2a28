using PgArk.Core.Codecs;

namespace PgArk.Core.Storage.Encryption;

/// <summary>Encrypts into the driver's atomic write; completing it writes the final chunk, then completes the driver's write.</summary>
/// <remarks><paramref name="path"/> is the final path the driver's write completes under: the one the file is read from.</remarks>
internal sealed class EncryptedWriteStream(RepositoryWriteStream inner, ReadOnlySpan<byte> dataKey, string path, int chunkSize) : RepositoryWriteStream
{
    private readonly AesGcmEncryptStream _encryptor = new(inner, dataKey, path, chunkSize);

    public override void Write(byte[] buffer, int offset, int count) => _encryptor.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _encryptor.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _encryptor.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _encryptor.WriteAsync(buffer, cancellationToken);

    public override void WriteByte(byte value) => _encryptor.WriteByte(value);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _encryptor.FinishAsync(cancellationToken).ConfigureAwait(false);
        await inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encryptor.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _encryptor.Dispose();
        await inner.DisposeAsync().ConfigureAwait(false);
        Dispose(false);
        GC.SuppressFinalize(this);
    }
}
