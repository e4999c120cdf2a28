using System.Buffers;
using Amazon.S3;
using Amazon.S3.Model;

namespace PgArk.Core.Storage.S3;

/// <summary>
/// An atomic S3 write that streams without temporary files. Content is buffered in memory up to one part
/// (<see cref="S3StorageOptions.PartSize"/>). An object that fits is stored with a single PUT on completion. A larger
/// one becomes a multipart upload whose parts upload in the background while the writer fills the next one, with at
/// most <see cref="S3StorageOptions.UploadConcurrency"/> parts in flight per storage (writers wait for a slot, which
/// bounds memory). Only <see cref="CompleteAsync"/> completes the upload, so the object appears whole or not at all;
/// disposing before that aborts it and S3 discards the parts.
/// </summary>
internal sealed class S3WriteStream : RepositoryWriteStream
{
    private const int InitialBufferSize = 64 * 1024;

    private readonly S3Storage _storage;
    private readonly string _key;
    private readonly string _display;
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _partUploads = [];
    private readonly List<PartETag> _parts = [];
    private byte[]? _buffer;
    private int _buffered;
    private Task<string>? _uploadId;
    private int _nextPartNumber = 1;
    private State _state;

    public S3WriteStream(S3Storage storage, string key, string display)
    {
        _storage = storage;
        _key = key;
        _display = display;
    }

    private enum State
    {
        Open,
        Completed,
        Disposed,
    }

    private S3StorageOptions Options => _storage.Options;

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfNotOpen();
        while (!buffer.IsEmpty)
        {
            buffer = Append(buffer);
            if (_buffered == Options.PartSize)
            {
                ThrowIfPartFailed();
                _storage.UploadSlots.Wait(_abort.Token);
                StartPartUpload();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNotOpen();
        while (!buffer.IsEmpty)
        {
            var rest = Append(buffer.Span);
            buffer = buffer[(buffer.Length - rest.Length)..];
            if (_buffered == Options.PartSize)
            {
                ThrowIfPartFailed();
                await _storage.UploadSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                StartPartUpload();
            }
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        cancellationToken.ThrowIfCancellationRequested();
        if (_uploadId is null)
        {
            await PutAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (_buffered > 0)
            {
                ThrowIfPartFailed();
                await _storage.UploadSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                StartPartUpload();
            }

            await CompleteMultipartAsync(cancellationToken).ConfigureAwait(false);
        }

        _state = State.Completed;
        ReturnBuffer();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_state == State.Disposed)
        {
            return;
        }

        var completed = _state == State.Completed;
        _state = State.Disposed;
        if (!completed)
        {
            await AbortAsync().ConfigureAwait(false);
        }

        ReturnBuffer();
        _abort.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _state != State.Disposed)
        {
            // Synchronous disposal cannot wait for the abort; it is started and left to finish on its own.
            var completed = _state == State.Completed;
            _state = State.Disposed;
            if (!completed)
            {
                _ = AbortAsync();
            }

            ReturnBuffer();
        }

        base.Dispose(disposing);
    }

    private ReadOnlySpan<byte> Append(ReadOnlySpan<byte> data)
    {
        if (_buffered == Capacity && Capacity < Options.PartSize)
        {
            Grow(_buffered + data.Length);
        }

        var count = Math.Min(data.Length, Capacity - _buffered);
        data[..count].CopyTo(_buffer.AsSpan(_buffered));
        _buffered += count;
        return data[count..];
    }

    // The pool may hand out a larger array than asked for; a part never holds more than PartSize bytes.
    private int Capacity => _buffer is null ? 0 : Math.Min(_buffer.Length, Options.PartSize);

    // Small files (most of a data directory) never hold a whole part's worth of memory: the buffer doubles as needed.
    // Once a file has spilled into a multipart upload, every further buffer is a whole part.
    private void Grow(int needed)
    {
        var partSize = Options.PartSize;
        var size = _uploadId is not null ? partSize : Math.Max(InitialBufferSize, Capacity * 2);
        while (size < needed && size < partSize)
        {
            size *= 2;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Min(size, partSize));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _buffered).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
    }

    // The caller holds an upload slot; the part's task releases it.
    private void StartPartUpload()
    {
        _uploadId ??= InitiateAsync();
        var buffer = _buffer!;
        var length = _buffered;
        var number = _nextPartNumber++;
        _buffer = null;
        _buffered = 0;
        _partUploads.Add(UploadPartAsync(number, buffer, length));
    }

    private async Task<string> InitiateAsync()
    {
        var request = new InitiateMultipartUploadRequest { BucketName = Options.Bucket, Key = _key };
        if (Options.StorageClass is { } storageClass)
        {
            request.StorageClass = S3StorageClass.FindValue(storageClass);
        }

        if (Options.ServerSideEncryption != S3ServerSideEncryption.None)
        {
            request.ServerSideEncryptionMethod = EncryptionMethod;
            request.ServerSideEncryptionKeyManagementServiceKeyId = Options.KmsKeyId;
        }

        try
        {
            var response = await _storage.Client.InitiateMultipartUploadAsync(request, _abort.Token).ConfigureAwait(false);
            return response.UploadId;
        }
        catch (Exception ex) when (S3Storage.IsS3Failure(ex))
        {
            throw _storage.Failure($"unable to write file '{_display}'", ex);
        }
    }

    private async Task UploadPartAsync(int number, byte[] buffer, int length)
    {
        try
        {
            var uploadId = await _uploadId!.ConfigureAwait(false);
            using var content = new MemoryStream(buffer, 0, length, writable: false);
            var response = await _storage.Client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = Options.Bucket,
                    Key = _key,
                    UploadId = uploadId,
                    PartNumber = number,
                    PartSize = length,
                    InputStream = content,
                    UseChunkEncoding = false,
                },
                _abort.Token).ConfigureAwait(false);
            lock (_parts)
            {
                _parts.Add(new PartETag(number, response.ETag));
            }
        }
        catch (Exception ex) when (S3Storage.IsS3Failure(ex))
        {
            throw _storage.Failure($"unable to write file '{_display}' (part {number})", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _storage.UploadSlots.Release();
        }
    }

    private async Task CompleteMultipartAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_partUploads).ConfigureAwait(false);
        var uploadId = await _uploadId!.ConfigureAwait(false);
        try
        {
            await _storage.Client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest
                {
                    BucketName = Options.Bucket,
                    Key = _key,
                    UploadId = uploadId,
                    PartETags = _parts.OrderBy(p => p.PartNumber).ToList(),
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (S3Storage.IsS3Failure(ex))
        {
            throw _storage.Failure($"unable to write file '{_display}'", ex);
        }
    }

    private async Task PutAsync(CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(_buffer ?? [], 0, _buffered, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = Options.Bucket,
            Key = _key,
            InputStream = content,
            AutoCloseStream = false,
            UseChunkEncoding = false,
        };
        if (Options.StorageClass is { } storageClass)
        {
            request.StorageClass = S3StorageClass.FindValue(storageClass);
        }

        if (Options.ServerSideEncryption != S3ServerSideEncryption.None)
        {
            request.ServerSideEncryptionMethod = EncryptionMethod;
            request.ServerSideEncryptionKeyManagementServiceKeyId = Options.KmsKeyId;
        }

        try
        {
            await _storage.Client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (S3Storage.IsS3Failure(ex))
        {
            throw _storage.Failure($"unable to write file '{_display}'", ex);
        }
    }

    private async Task AbortAsync()
    {
        await _abort.CancelAsync().ConfigureAwait(false);
        foreach (var upload in _partUploads)
        {
            try
            {
                await upload.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or Errors.PgArkException)
            {
                // The write is being abandoned; its error (if any) was reported when it mattered.
            }
        }

        if (_uploadId is null)
        {
            return;
        }

        try
        {
            var uploadId = await _uploadId.ConfigureAwait(false);
            await _storage.Client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = Options.Bucket, Key = _key, UploadId = uploadId },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or Errors.PgArkException || S3Storage.IsS3Failure(ex))
        {
            // Best effort: an upload that cannot be aborted stays invisible, and a bucket lifecycle rule
            // (AbortIncompleteMultipartUpload) reclaims its parts.
        }
    }

    private ServerSideEncryptionMethod EncryptionMethod => Options.ServerSideEncryption == S3ServerSideEncryption.Kms
        ? ServerSideEncryptionMethod.AWSKMS
        : ServerSideEncryptionMethod.AES256;

    // A failed part fails the write at the next write call instead of only at completion.
    private void ThrowIfPartFailed()
    {
        foreach (var upload in _partUploads)
        {
            if (upload.IsFaulted)
            {
                upload.GetAwaiter().GetResult();
            }
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void ThrowIfNotOpen()
    {
        if (_state != State.Open)
        {
            throw new InvalidOperationException(_state == State.Completed ? "the write is already completed" : "the write stream is disposed");
        }
    }
}
