namespace PgArk.Core.Storage;

/// <summary>
/// A repository's byte store. Paths are relative, '/'-separated, and never contain "..", empty segments or a
/// leading '/'; implementations validate them (<see cref="RepositoryPath"/>) so no caller can reach outside the
/// repository. Storage knows nothing about backups, manifests or WAL (that is Catalog's job).
/// </summary>
public interface IRepositoryStorage
{
    /// <summary>Human-readable location (for messages), e.g. "/var/lib/pgark/repo" or "s3://bucket/prefix".</summary>
    string Location { get; }

    StorageFeatures Features { get; }

    /// <summary>
    /// How many file writes (completions, see <see cref="WriteCompletionQueue"/>) or reads a bulk operation should keep in
    /// flight: 1 where each is cheap and local (a posix rename or open), more where each is a network round trip (an S3
    /// PUT or GET), so that request latency rather than CPU would otherwise bound a backup or restore of many small files.
    /// </summary>
    int PreferredIoConcurrency { get; }

    /// <summary>Opens a stored file for sequential reading. Throws <see cref="Errors.NotFoundException"/> when absent.</summary>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Starts an atomic write. Nothing is visible under <paramref name="path"/> until
    /// <see cref="RepositoryWriteStream.CompleteAsync"/>; disposing without completing discards the data.
    /// An existing file at the path is replaced on completion.
    /// </summary>
    Task<RepositoryWriteStream> OpenWriteAsync(string path, WriteOptions options, CancellationToken cancellationToken);

    /// <summary>Size and modification time of a file, or null when it does not exist.</summary>
    Task<StorageEntry?> GetInfoAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Files (not folders) under <paramref name="prefix"/> (a folder path; "" for the root), with paths relative
    /// to the repository root. A missing folder yields nothing. Temporary files of unfinished writes are never listed.
    /// </summary>
    IAsyncEnumerable<StorageEntry> ListAsync(string prefix, bool recursive, CancellationToken cancellationToken);

    /// <summary>Names of the immediate sub-folders of <paramref name="prefix"/>.</summary>
    Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes a file; no error when it does not exist.</summary>
    Task DeleteAsync(string path, CancellationToken cancellationToken);

    /// <summary>Deletes a folder and everything in it; no error when it does not exist.</summary>
    Task DeleteFolderAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the creation/renaming of entries in a folder durable (fsync of the folder on posix; a no-op where
    /// writes are durable on completion).
    /// </summary>
    Task SyncFolderAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every write completed so far durable, including bulk writes that skipped their own fsync
    /// (<see cref="WriteOptions.SyncFile"/> false). A backup calls this once before it writes its manifest.
    /// </summary>
    Task SyncAllAsync(CancellationToken cancellationToken);
}

/// <summary>Optional capabilities of a storage driver.</summary>
[Flags]
public enum StorageFeatures
{
    None = 0,
    /// <summary>Rename is atomic and folder fsync exists (posix).</summary>
    AtomicRename = 1,
    /// <summary>Folders exist as real objects.</summary>
    Folders = 2,
}

/// <param name="SyncFolder">After the rename, also fsync the containing folder.</param>
/// <param name="SyncFile">fsync the file before the rename.</param>
/// <remarks>
/// Bulk writers (a backup writing thousands of files) skip both and call <see cref="IRepositoryStorage.SyncAllAsync"/>
/// once before they write the record that makes the files reachable (the manifest): a crash before that leaves only
/// files no manifest points to, which the next backup removes.
/// </remarks>
public sealed record WriteOptions(bool SyncFolder = true, bool SyncFile = true)
{
    public static WriteOptions Default { get; } = new();
    public static WriteOptions Bulk { get; } = new(SyncFolder: false, SyncFile: false);
}

/// <summary>A stored file. <see cref="Path"/> is relative to the repository root.</summary>
public sealed record StorageEntry(string Path, long Size, DateTimeOffset ModifiedAt);

/// <summary>
/// A write in progress. Write the content, then call <see cref="CompleteAsync"/>, which makes the file durable and
/// visible atomically. Disposing an uncompleted stream removes its temporary data.
/// </summary>
public abstract class RepositoryWriteStream : Stream
{
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    public sealed override bool CanRead => false;
    public sealed override bool CanSeek => false;
    public sealed override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
