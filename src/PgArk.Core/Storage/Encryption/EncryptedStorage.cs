using System.Runtime.CompilerServices;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;

namespace PgArk.Core.Storage.Encryption;

/// <summary>
/// Encryption at rest over any driver: every file written through it is stored in the <see cref="EncryptionFormat"/>
/// under the repository's data key, bound to its path relative to the repository root, and every file read is
/// authenticated chunk by chunk against the path it is read from. Paths are unchanged; sizes in
/// listings are stored (encrypted) sizes. The key is found on first use (see <see cref="RepositoryKeyStore"/>), so a
/// wrong passphrase fails the first call, before anything is read, written or deleted.
/// </summary>
internal sealed class EncryptedStorage : IRepositoryStorage
{
    private readonly IRepositoryStorage _inner;
    private readonly RepositoryKeyStore _keys;
    private readonly int _chunkSize;

    /// <param name="iterations">PBKDF2 iterations for a repository this storage creates; existing ones keep theirs.</param>
    public EncryptedStorage(IRepositoryStorage inner, EncryptionKeySource key, int iterations, string repositoryName,
        int chunkSize = EncryptionFormat.DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(key);
        _inner = inner;
        _keys = new RepositoryKeyStore(inner, key, iterations, repositoryName);
        _chunkSize = chunkSize;
    }

    /// <summary>Name of the repository's one plain file, the wrapped data key.</summary>
    public static string KeyFileName => RepositoryKeyStore.EnvelopeFile;

    public string Location => _inner.Location;

    public StorageFeatures Features => _inner.Features;

    public int PreferredIoConcurrency => _inner.PreferredIoConcurrency;

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        RefuseKeyFile(RepositoryPath.ValidateFile(path));
        var key = await _keys.GetAsync(create: false, cancellationToken).ConfigureAwait(false);
        var stream = await _inner.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new NotFoundException($"unable to open missing file '{path}' in {Location} for read");
        }
        return new AesGcmDecryptStream(stream, key, path, $"{Location.TrimEnd('/')}/{path}", _keys.MinimumFileFormat);
    }

    public async Task<RepositoryWriteStream> OpenWriteAsync(string path, WriteOptions options, CancellationToken cancellationToken)
    {
        RefuseKeyFile(RepositoryPath.ValidateFile(path));
        var key = (await _keys.GetAsync(create: true, cancellationToken).ConfigureAwait(false))!;
        var inner = await _inner.OpenWriteAsync(path, options, cancellationToken).ConfigureAwait(false);
        try
        {
            // The path the driver completes the write under (posix writes a temporary file and renames it; S3 uploads
            // to the key): the final one, which the read authenticates.
            return new EncryptedWriteStream(inner, key, path, _chunkSize);
        }
        catch
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<StorageEntry?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        RefuseKeyFile(path);
        await _keys.GetAsync(create: false, cancellationToken).ConfigureAwait(false);
        return await _inner.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StorageEntry> ListAsync(string prefix, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _keys.GetAsync(create: false, cancellationToken).ConfigureAwait(false);
        await foreach (var entry in _inner.ListAsync(prefix, recursive, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Path != RepositoryKeyStore.EnvelopeFile)
            {
                yield return entry;
            }
        }
    }

    public async Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        await _keys.GetAsync(create: false, cancellationToken).ConfigureAwait(false);
        return await _inner.ListFoldersAsync(prefix, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        RefuseKeyFile(path);
        await _keys.GetAsync(create: false, cancellationToken).ConfigureAwait(false);
        await _inner.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        await _keys.GetAsync(create: false, cancellationToken).ConfigureAwait(false);
        await _inner.DeleteFolderAsync(prefix, cancellationToken).ConfigureAwait(false);
    }

    public Task SyncFolderAsync(string prefix, CancellationToken cancellationToken) => _inner.SyncFolderAsync(prefix, cancellationToken);

    public Task SyncAllAsync(CancellationToken cancellationToken) => _inner.SyncAllAsync(cancellationToken);

    private void RefuseKeyFile(string path)
    {
        if (path == RepositoryKeyStore.EnvelopeFile)
        {
            throw new UsageException($"'{path}' is reserved for the repository's wrapped key");
        }
    }
}
