using System.Security.Cryptography;

namespace PgArk.Core.Codecs;

/// <summary>
/// Computes the SHA-256 and the length of everything read from or written to the inner stream. Put it on the write
/// side to hash what is being stored, or on the read side to hash what is being restored.
/// </summary>
internal sealed class HashingStream : ForwardingStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public HashingStream(Stream inner, bool leaveOpen)
        : base(inner, leaveOpen)
    {
    }

    /// <summary>Bytes hashed since creation or the last <see cref="GetHashAndReset"/>.</summary>
    public long BytesProcessed { get; private set; }

    /// <summary>Lowercase hex SHA-256 of the bytes so far; does not reset.</summary>
    public string HashHex => Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>SHA-256 of the bytes so far (32 bytes); starts a new hash and a new count.</summary>
    public byte[] GetHashAndReset()
    {
        BytesProcessed = 0;
        return _hash.GetHashAndReset();
    }

    protected override void OnRead(ReadOnlySpan<byte> data) => Append(data);

    protected override void OnWritten(ReadOnlySpan<byte> data) => Append(data);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        BytesProcessed += data.Length;
    }
}
