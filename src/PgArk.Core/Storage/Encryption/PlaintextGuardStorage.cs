using System.Runtime.CompilerServices;
using PgArk.Core.Errors;

namespace PgArk.Core.Storage.Encryption;

/// <summary>
/// Wraps the storage of a repository configured without encryption and refuses, on first use, to touch one that was
/// created encrypted: otherwise plain files would be mixed into it and encrypted ones misread as corrupt.
/// </summary>
internal sealed class PlaintextGuardStorage(IRepositoryStorage inner, string repositoryName) : IRepositoryStorage
{
    private volatile bool _checked;

    public string Location => inner.Location;

    public StorageFeatures Features => inner.Features;

    public int PreferredIoConcurrency => inner.PreferredIoConcurrency;

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken).ConfigureAwait(false);
        return await inner.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RepositoryWriteStream> OpenWriteAsync(string path, WriteOptions options, CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken).ConfigureAwait(false);
        return await inner.OpenWriteAsync(path, options, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StorageEntry?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken).ConfigureAwait(false);
        return await inner.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StorageEntry> ListAsync(string prefix, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var entry in inner.ListAsync(prefix, recursive, cancellationToken).ConfigureAwait(false))
        {
            yield return entry;
        }
    }

    public async Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken).ConfigureAwait(false);
        return await inner.ListFoldersAsync(prefix, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken).ConfigureAwait(false);
        await inner.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken).ConfigureAwait(false);
        await inner.DeleteFolderAsync(prefix, cancellationToken).ConfigureAwait(false);
    }

    public Task SyncFolderAsync(string prefix, CancellationToken cancellationToken) => inner.SyncFolderAsync(prefix, cancellationToken);

    public Task SyncAllAsync(CancellationToken cancellationToken) => inner.SyncAllAsync(cancellationToken);

    private async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        if (_checked)
        {
            return;
        }
        if (await inner.GetInfoAsync(RepositoryKeyStore.EnvelopeFile, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RefusedException(
                $"repository '{repositoryName}' ({inner.Location}) is encrypted, but its configuration has no encryption",
                "add encryption: { passphraseEnv: NAME }, { passphraseFile: PATH } or { keyFile: PATH } to the repository");
        }
        _checked = true;
    }
}
