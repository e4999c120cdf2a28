using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using PgArk.Core.Errors;

namespace PgArk.Core.Storage.S3;

/// <summary>
/// A repository in an S3 bucket (AWS or a compatible server), under an optional key prefix. Repository paths map to
/// keys one to one (<c>prefix/path</c>), so the object layout is that of a posix repository. Objects appear whole or
/// not at all: small ones are a single PUT, large ones a multipart upload that is completed only by
/// <see cref="RepositoryWriteStream.CompleteAsync"/> (see <see cref="S3WriteStream"/>). There are no folders, no
/// renames and nothing to sync: a completed PUT is durable.
/// </summary>
internal sealed class S3Storage : IRepositoryStorage, IDisposable
{
    // S3 caps DeleteObjects at 1000 keys per request.
    private const int DeleteBatchSize = 1000;

    private readonly string _keyPrefix;

    public S3Storage(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _keyPrefix = options.Prefix.Length == 0 ? "" : options.Prefix + "/";
        Client = S3ClientFactory.Create(options);
        UploadSlots = new SemaphoreSlim(options.UploadConcurrency, options.UploadConcurrency);
        Location = LocationOf(options.Bucket, options.Prefix);
    }

    public string Location { get; }

    public StorageFeatures Features => StorageFeatures.None;

    // Most files of a data directory are small, so a backup is bound by PUT latency rather than bandwidth.
    public int PreferredIoConcurrency => Options.IoConcurrency;

    internal S3StorageOptions Options { get; }

    internal IAmazonS3 Client { get; }

    /// <summary>Shared by every write, so parts in flight (and the memory they hold) stay bounded for the whole storage.</summary>
    internal SemaphoreSlim UploadSlots { get; }

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        var key = Key(RepositoryPath.ValidateFile(path));
        try
        {
            var response = await Client.GetObjectAsync(new GetObjectRequest { BucketName = Options.Bucket, Key = key }, cancellationToken)
                .ConfigureAwait(false);
            return new S3ReadStream(response, this, path);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
        {
            throw new NotFoundException($"unable to open missing file '{Display(path)}' for read");
        }
        catch (Exception ex) when (IsS3Failure(ex))
        {
            throw Failure($"unable to open file '{Display(path)}' for read", ex);
        }
    }

    public Task<RepositoryWriteStream> OpenWriteAsync(string path, WriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = Key(RepositoryPath.ValidateFile(path));
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<RepositoryWriteStream>(new S3WriteStream(this, key, Display(path)));
    }

    public async Task<StorageEntry?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        var key = Key(RepositoryPath.ValidateFile(path));
        try
        {
            var response = await Client.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = Options.Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return new StorageEntry(path, response.ContentLength, ToOffset(response.LastModified));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // HEAD responses have no body, so a missing bucket looks like a missing key; a listing tells them apart.
            await EnsureBucketExistsAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (IsS3Failure(ex))
        {
            throw Failure($"unable to get info for file '{Display(path)}'", ex);
        }
    }

    public async IAsyncEnumerable<StorageEntry> ListAsync(
        string prefix, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        await foreach (var page in ListPagesAsync(folder, recursive ? null : "/", cancellationToken).ConfigureAwait(false))
        {
            var entries = new List<StorageEntry>(page.S3Objects?.Count ?? 0);
            foreach (var item in page.S3Objects ?? [])
            {
                if (ToRepositoryPath(item.Key) is { } path)
                {
                    entries.Add(new StorageEntry(path, item.Size ?? 0, ToOffset(item.LastModified)));
                }
            }

            // S3 returns keys in UTF-8 byte order, the same as ordinal order for the ASCII names a repository uses;
            // some compatible servers (s3rver) return a page in file-system walk order instead.
            entries.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
            foreach (var entry in entries)
            {
                yield return entry;
            }
        }
    }

    public async Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        var folderKey = FolderKey(folder);
        var names = new List<string>();
        await foreach (var page in ListPagesAsync(folder, "/", cancellationToken).ConfigureAwait(false))
        {
            foreach (var common in page.CommonPrefixes ?? [])
            {
                var name = common[folderKey.Length..].TrimEnd('/');
                if (name.Length > 0)
                {
                    names.Add(name);
                }
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var key = Key(RepositoryPath.ValidateFile(path));
        try
        {
            await Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Options.Bucket, Key = key }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (IsS3Failure(ex))
        {
            throw Failure($"unable to delete file '{Display(path)}'", ex);
        }
    }

    public async Task DeleteFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        if (folder.Length == 0)
        {
            throw new UsageException($"refusing to delete the root of repository '{Location}'");
        }

        // Not atomic on S3: callers delete the record that makes a folder reachable (its manifest) first, so a crash
        // half-way leaves only unreferenced objects. Listing again after each batch needs no continuation token
        // that the deletes could invalidate.
        var folderKey = FolderKey(folder);
        while (true)
        {
            List<string> keys;
            try
            {
                var page = await Client.ListObjectsV2Async(
                    new ListObjectsV2Request { BucketName = Options.Bucket, Prefix = folderKey, MaxKeys = DeleteBatchSize },
                    cancellationToken).ConfigureAwait(false);
                keys = (page.S3Objects ?? []).Select(o => o.Key).ToList();
            }
            catch (Exception ex) when (IsS3Failure(ex))
            {
                throw Failure($"unable to delete folder '{Display(folder)}'", ex);
            }

            if (keys.Count == 0)
            {
                return;
            }

            await DeleteBatchAsync(folder, keys, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task SyncFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        RepositoryPath.ValidateFolder(prefix);
        return Task.CompletedTask;
    }

    public Task SyncAllAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        Client.Dispose();
        UploadSlots.Dispose();
    }

    /// <summary><c>s3://bucket</c> or <c>s3://bucket/prefix</c>.</summary>
    public static string LocationOf(string bucket, string prefix) => $"s3://{bucket}" + (prefix.Length == 0 ? "" : "/" + prefix);

    internal static bool IsS3Failure(Exception ex) =>
        ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or WebException;

    /// <summary>
    /// Turns an SDK error (after the SDK's own retries) into the error kind a user can act on: a missing bucket or
    /// denied access is configuration, anything else a failed operation. The message names the object, never a key.
    /// </summary>
    internal PgArkException Failure(string message, Exception ex)
    {
        var detail = ex switch
        {
            AmazonS3Exception { ErrorCode: { Length: > 0 } code } s3 => $"{code} ({(int)s3.StatusCode}): {s3.Message}",
            HttpRequestException { InnerException: { } inner } => $"{ex.Message} ({inner.Message})",
            _ => ex.Message,
        };
        var endpoint = Options.Endpoint?.ToString() ?? $"AWS region {Options.Region}";
        return ex switch
        {
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } => new ConfigurationException(
                $"{message}: bucket '{Options.Bucket}' does not exist at {endpoint}", "create the bucket or fix 'bucket' in the repository configuration", ex),
            AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "InvalidToken" or "ExpiredToken" }
                => new ConfigurationException($"{message}: access refused by {endpoint}: {detail}",
                    "check the repository's credentials (accessKeyIdEnv/File, secretAccessKeyEnv/File) and the bucket policy", ex),
            _ => new OperationFailedException($"{message}: {detail} (endpoint {endpoint})", innerException: ex),
        };
    }

    internal string Display(string path) => path.Length == 0 ? Location : $"{Location}/{path}";

    private async Task DeleteBatchAsync(string folder, List<string> keys, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Client.DeleteObjectsAsync(
                new DeleteObjectsRequest
                {
                    BucketName = Options.Bucket,
                    Objects = keys.Select(k => new KeyVersion { Key = k }).ToList(),
                    Quiet = true,
                },
                cancellationToken).ConfigureAwait(false);
            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                throw new OperationFailedException(
                    $"unable to delete folder '{Display(folder)}': {errors.Count} objects not deleted, e.g. '{errors[0].Key}': {errors[0].Code} {errors[0].Message}");
            }
        }
        catch (Exception ex) when (IsS3Failure(ex))
        {
            throw Failure($"unable to delete folder '{Display(folder)}'", ex);
        }
    }

    private async IAsyncEnumerable<ListObjectsV2Response> ListPagesAsync(
        string folder, string? delimiter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = Options.Bucket, Prefix = FolderKey(folder), Delimiter = delimiter };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await Client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsS3Failure(ex))
            {
                throw Failure($"unable to list '{Display(folder)}'", ex);
            }

            yield return page;
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    private async Task EnsureBucketExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = Options.Bucket, Prefix = _keyPrefix, MaxKeys = 1 }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsS3Failure(ex))
        {
            throw Failure($"unable to reach repository '{Location}'", ex);
        }
    }

    private string Key(string path) => _keyPrefix + path;

    private string FolderKey(string folder) => folder.Length == 0 ? _keyPrefix : _keyPrefix + folder + "/";

    // Keys that no repository write produces (folder markers made by other tools, names that are not valid
    // repository paths) are skipped, as a posix listing skips what is not a regular file.
    private string? ToRepositoryPath(string key)
    {
        if (!key.StartsWith(_keyPrefix, StringComparison.Ordinal) || key.EndsWith('/'))
        {
            return null;
        }

        var path = key[_keyPrefix.Length..];
        try
        {
            return RepositoryPath.ValidateFile(path);
        }
        catch (UsageException)
        {
            return null;
        }
    }

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()) : DateTimeOffset.MinValue;
}
