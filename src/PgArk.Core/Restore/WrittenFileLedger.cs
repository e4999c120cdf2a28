using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Restore;

/// <summary>
/// The one way a restored whole file reaches its descriptor: writes must come front to back, each starting exactly where
/// the previous one ended, and the SHA-256 is computed here over exactly the bytes the kernel reported written, from the
/// buffer that was handed to <c>pwrite</c>, in offset order. So the hash that is compared with the manifest is the hash
/// of what the file holds, not of what the decompressor produced: a chunk written at a wrong offset, written twice,
/// skipped, or cut short fails the restore (see docs/restore-safety.md, "What the checksum proves").
/// </summary>
/// <remarks>
/// Why not re-read the file after writing: that doubles the read and hash work for every byte, and the re-read would
/// come from the page cache, i.e. the same kernel buffers pwrite filled, so it proves nothing more than pwrite's own
/// result does. The one thing the ledger cannot see from pwrite is what happens to the size afterwards (a truncate,
/// an extension by a stray write elsewhere), which <see cref="FileSyncQueue"/> checks with fstat after the fsync.
/// </remarks>
internal sealed class WrittenFileLedger : IDisposable
{
    /// <summary>What the restore pipeline asks to write: <paramref name="Count"/> bytes of the buffer at <paramref name="Offset"/>.</summary>
    internal readonly record struct Chunk(long Offset, int Count);

    /// <summary>
    /// Test seam: rewrites a chunk request as a pipeline bug would (a wrong offset, a dropped tail). Flows with the
    /// caller's async context only, so a test sets it around one in-process restore without touching any other.
    /// </summary>
    internal static readonly AsyncLocal<Func<Chunk, Chunk>?> Fault = new();

    private readonly SafeFileHandle _file;
    private readonly string _path;
    private readonly IncrementalHash? _sha;
    private readonly StageProfile _profile;
    private long _end;

    /// <param name="hash">False where the file is only an intermediate (the base a page delta is applied to, hashed from disk afterwards).</param>
    public WrittenFileLedger(SafeFileHandle file, string pathForMessages, bool hash, StageProfile profile)
    {
        _file = file;
        _path = pathForMessages;
        _sha = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _profile = profile;
    }

    /// <summary>The length of the written prefix: every byte of [0, Length) was written exactly once.</summary>
    public long Length => Volatile.Read(ref _end);

    /// <summary>Writes <paramref name="count"/> bytes of <paramref name="buffer"/> at <paramref name="offset"/>, which must be where the last write ended.</summary>
    public void Write(byte[] buffer, int count, long offset)
    {
        if (Fault.Value is { } fault)
        {
            (offset, count) = fault(new Chunk(offset, count));
        }
        if (offset != _end)
        {
            throw new IntegrityException($"restoring '{_path}': a write at offset {offset} while bytes [0, {_end}) are written; every byte must be " +
                "written exactly once, in order");
        }
        var done = 0;
        while (done < count)
        {
            var start = _profile.Start();
            var n = Libc.WriteAt(_file, buffer.AsSpan(done, count - done), offset + done, _path);
            start = _profile.Add(RestoreStage.Write, start);
            if (n == 0)
            {
                throw new IOException($"unable to write '{_path}': the kernel accepted no bytes at offset {offset + done}");
            }
            // Hash what was accepted, from the bytes pwrite read: a short write continues where it stopped.
            _sha?.AppendData(buffer, done, n);
            _profile.Add(RestoreStage.Hash, start);
            done += n;
            Volatile.Write(ref _end, offset + done);
        }
    }

    /// <summary>The written length and the SHA-256 of the bytes written.</summary>
    public (long Length, string Sha256) Finish() => (_end, _sha is null ? "" : Convert.ToHexStringLower(_sha.GetHashAndReset()));

    public void Dispose() => _sha?.Dispose();
}
