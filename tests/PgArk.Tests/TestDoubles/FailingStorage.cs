using PgArk.Core.Storage;

namespace PgArk.Tests.TestDoubles;

/// <summary>
/// Wraps a storage and makes its Nth write (1-based, counting OpenWriteAsync calls) fail with an
/// <see cref="IOException"/> at the chosen point, as a full disk or a dropped connection would. Everything else passes
/// through, so a test can check how the code under test cleans up and what it reports.
/// </summary>
internal sealed class FailingStorage(IRepositoryStorage inner, int failOnWrite, WriteFailurePoint failAt = WriteFailurePoint.Complete)
    : IRepositoryStorage
{
    private int _writes;

    public IRepositoryStorage Inner => inner;

    /// <summary>How many writes were opened (including the failing one).</summary>
    public int WriteCount => Volatile.Read(ref _writes);

    public string Location => inner.Location;

    public StorageFeatures Features => inner.Features;

    public int PreferredIoConcurrency => inner.PreferredIoConcurrency;

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken) => inner.OpenReadAsync(path, cancellationToken);

    public async Task<RepositoryWriteStream> OpenWriteAsync(string path, WriteOptions options, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _writes);
        if (number != failOnWrite)
        {
            return await inner.OpenWriteAsync(path, options, cancellationToken);
        }

        var failure = new IOException($"simulated I/O failure on write #{number} of '{path}'");
        if (failAt == WriteFailurePoint.Open)
        {
            throw failure;
        }

        return new FailingWriteStream(await inner.OpenWriteAsync(path, options, cancellationToken), failAt, failure);
    }

    public Task<StorageEntry?> GetInfoAsync(string path, CancellationToken cancellationToken) => inner.GetInfoAsync(path, cancellationToken);

    public IAsyncEnumerable<StorageEntry> ListAsync(string prefix, bool recursive, CancellationToken cancellationToken) =>
        inner.ListAsync(prefix, recursive, cancellationToken);

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken) =>
        inner.ListFoldersAsync(prefix, cancellationToken);

    public Task DeleteAsync(string path, CancellationToken cancellationToken) => inner.DeleteAsync(path, cancellationToken);

    public Task DeleteFolderAsync(string prefix, CancellationToken cancellationToken) => inner.DeleteFolderAsync(prefix, cancellationToken);

    public Task SyncFolderAsync(string prefix, CancellationToken cancellationToken) => inner.SyncFolderAsync(prefix, cancellationToken);

    public Task SyncAllAsync(CancellationToken cancellationToken) => inner.SyncAllAsync(cancellationToken);

    private sealed class FailingWriteStream(RepositoryWriteStream inner, WriteFailurePoint failAt, IOException failure)
        : RepositoryWriteStream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (failAt == WriteFailurePoint.Data)
            {
                throw failure;
            }

            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            failAt == WriteFailurePoint.Data ? ValueTask.FromException(failure) : inner.WriteAsync(buffer, cancellationToken);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override Task CompleteAsync(CancellationToken cancellationToken) =>
            failAt == WriteFailurePoint.Complete ? Task.FromException(failure) : inner.CompleteAsync(cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
