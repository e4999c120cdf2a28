using System.Security.Cryptography;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores;

/// <summary>A read-only stream over a stored artifact that checks its size and SHA-256 against the manifest when it reaches the end.</summary>
internal sealed class VerifiedArtifactStream(Stream inner, StoreBackupManifest manifest, StoreItem item) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _checked;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => item.Size;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Account(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n;
        try
        {
            n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw Damaged($"cannot be decompressed ({ex.Message})");
        }
        Account(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Account(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0)
        {
            _hash.AppendData(data);
            _read += data.Length;
            if (_read > item.Size)
            {
                throw Damaged($"is longer than the {item.Size} bytes the manifest records");
            }
            return;
        }
        if (_checked)
        {
            return;
        }
        _checked = true;
        var sha = Convert.ToHexStringLower(_hash.GetCurrentHash());
        if (_read != item.Size || sha != item.Sha256)
        {
            throw Damaged($"does not match its manifest: {_read} bytes with SHA-256 {sha}, expected {item.Size} bytes with {item.Sha256}");
        }
    }

    private IntegrityException Damaged(string what) => new(
        $"store backup '{manifest.Id}' of store '{manifest.Store}' artifact '{item.File}' ({item.Name}) {what}",
        "the copy in the repository is damaged: restore an older backup (see 'pgark list-store-backups')");

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
            _hash.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _hash.Dispose();
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
