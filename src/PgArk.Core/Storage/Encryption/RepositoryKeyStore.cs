using System.Text.Json;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Storage.Encryption;

/// <summary>
/// Finds the data key of an encrypted repository once per process: reads and unwraps <see cref="EnvelopeFile"/>, or, for
/// the first write into an empty repository, creates it. Refuses to start encrypting a repository that already holds
/// plain files.
/// </summary>
#pragma warning disable CA1001 // SemaphoreSlim needs Dispose only when its AvailableWaitHandle is used, which it never is here
internal sealed class RepositoryKeyStore(IRepositoryStorage inner, EncryptionKeySource source, int iterations, string repositoryName)
#pragma warning restore CA1001
{
    public const string EnvelopeFile = "pgark-encryption.json";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _dataKey;
    private bool _knownEmpty;

    /// <summary>The oldest file format the repository accepts (see <see cref="RepositoryKeyEnvelope.MinimumFileFormat"/>); known once <see cref="GetAsync"/> returned a key.</summary>
    public byte MinimumFileFormat { get; private set; } = Codecs.EncryptionFormat.UnboundVersion;

    private string Describe => $"'{repositoryName}' ({inner.Location})";

    /// <summary>
    /// The data key; null only when <paramref name="create"/> is false and the repository is still empty (nothing
    /// to decrypt yet).
    /// </summary>
    public async ValueTask<byte[]?> GetAsync(bool create, CancellationToken cancellationToken)
    {
        if (_dataKey is { } known)
        {
            return known;
        }
        if (_knownEmpty && !create)
        {
            return null;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_dataKey is null)
            {
                _dataKey = await LoadAsync(cancellationToken).ConfigureAwait(false);
                if (_dataKey is null && create)
                {
                    _dataKey = await CreateAsync(cancellationToken).ConfigureAwait(false);
                }
                _knownEmpty = _dataKey is null;
            }
            return _dataKey;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<byte[]?> LoadAsync(CancellationToken cancellationToken)
    {
        if (await inner.GetInfoAsync(EnvelopeFile, cancellationToken).ConfigureAwait(false) is null)
        {
            if (await HoldsFilesAsync(inner, cancellationToken).ConfigureAwait(false))
            {
                throw new RefusedException(
                    $"repository {Describe} already holds unencrypted data; refusing to encrypt into it",
                    "encryption can only be enabled on a new, empty repository; remove 'encryption' from its configuration or use another path");
            }
            return null;
        }
        var stream = await inner.OpenReadAsync(EnvelopeFile, cancellationToken).ConfigureAwait(false);
        RepositoryKeyEnvelope envelope;
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            try
            {
                envelope = PgArkJson.Deserialize<RepositoryKeyEnvelope>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            }
            catch (JsonException)
            {
                throw new IntegrityException($"the key file {EnvelopeFile} of encrypted repository {Describe} is damaged");
            }
        }
        var dataKey = envelope.Unwrap(source, Describe);
        MinimumFileFormat = (byte)(envelope.MinimumFileFormat ?? Codecs.EncryptionFormat.UnboundVersion);
        return dataKey;
    }

    private async Task<byte[]> CreateAsync(CancellationToken cancellationToken)
    {
        var (envelope, dataKey) = RepositoryKeyEnvelope.Create(source, iterations);
        var write = await inner.OpenWriteAsync(EnvelopeFile, WriteOptions.Default, cancellationToken).ConfigureAwait(false);
        await using (write.ConfigureAwait(false))
        {
            await write.WriteAsync(PgArkJson.Serialize(envelope), cancellationToken).ConfigureAwait(false);
            await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        MinimumFileFormat = (byte)envelope.MinimumFileFormat!.Value;
        return dataKey;
    }

    /// <summary>True when the repository root has any file or folder (other than the key file).</summary>
    internal static async Task<bool> HoldsFilesAsync(IRepositoryStorage storage, CancellationToken cancellationToken)
    {
        if ((await storage.ListFoldersAsync("", cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return true;
        }
        await foreach (var entry in storage.ListAsync("", recursive: false, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Path != EnvelopeFile)
            {
                return true;
            }
        }
        return false;
    }
}
