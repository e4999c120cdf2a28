using System.Runtime.CompilerServices;
using PgArk.Core.Errors;
using PgArk.Core.Storage;

namespace PgArk.Tests.TestDoubles;

/// <summary>
/// An honest in-memory <see cref="IRepositoryStorage"/>: paths are validated like the real drivers, writes become
/// visible only on completion, abandoned writes vanish, and folders exist implicitly (as on object storage).
/// </summary>
internal sealed class InMemoryRepositoryStorage(TimeProvider? timeProvider = null, string location = "memory://repository")
    : IRepositoryStorage
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, StoredFile> _files = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private int _openWrites;

    public string Location { get; } = location;

    public StorageFeatures Features => StorageFeatures.None;

    public int PreferredIoConcurrency => 1;

    /// <summary>Writes opened and neither completed nor disposed: lets a test check that nothing leaks.</summary>
    public int OpenWriteCount => Volatile.Read(ref _openWrites);

    /// <summary>Every stored path, in ordinal order.</summary>
    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_gate)
            {
                return [.. _files.Keys];
            }
        }
    }

    public bool Exists(string path)
    {
        lock (_gate)
        {
            return _files.ContainsKey(path);
        }
    }

    public byte[] ReadAllBytes(string path)
    {
        lock (_gate)
        {
            return _files.TryGetValue(path, out var file) ? file.Content.ToArray() : throw new KeyNotFoundException(path);
        }
    }

    /// <summary>Stores a file directly, bypassing the write protocol (to arrange a test).</summary>
    public void Put(string path, byte[] content) => Store(RepositoryPath.ValidateFile(path), content.ToArray());

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        RepositoryPath.ValidateFile(path);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return _files.TryGetValue(path, out var file)
                ? Task.FromResult<Stream>(new MemoryStream(file.Content, writable: false))
                : throw new NotFoundException($"unable to open missing file '{Location}/{path}' for read");
        }
    }

    public Task<RepositoryWriteStream> OpenWriteAsync(string path, WriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        RepositoryPath.ValidateFile(path);
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _openWrites);
        return Task.FromResult<RepositoryWriteStream>(new Writer(this, path));
    }

    public Task<StorageEntry?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        RepositoryPath.ValidateFile(path);
        lock (_gate)
        {
            return Task.FromResult(_files.TryGetValue(path, out var file)
                ? new StorageEntry(path, file.Content.Length, file.ModifiedAt)
                : null);
        }
    }

    public async IAsyncEnumerable<StorageEntry> ListAsync(
        string prefix, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        List<StorageEntry> entries;
        lock (_gate)
        {
            entries = [.. _files
                .Where(pair => Below(pair.Key, folder) is { } rest && (recursive || !rest.Contains('/', StringComparison.Ordinal)))
                .Select(pair => new StorageEntry(pair.Key, pair.Value.Content.Length, pair.Value.ModifiedAt))];
        }

        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return entry;
        }
    }

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        lock (_gate)
        {
            IReadOnlyList<string> folders = [.. _files.Keys
                .Select(path => Below(path, folder) ?? "")
                .Where(rest => rest.Contains('/', StringComparison.Ordinal))
                .Select(rest => rest[..rest.IndexOf('/', StringComparison.Ordinal)])
                .Distinct()
                .Order(StringComparer.Ordinal)];
            return Task.FromResult(folders);
        }
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        RepositoryPath.ValidateFile(path);
        lock (_gate)
        {
            _files.Remove(path);
        }

        return Task.CompletedTask;
    }

    public Task DeleteFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        if (folder.Length == 0)
        {
            throw new UsageException($"refusing to delete the root of repository '{Location}'");
        }

        lock (_gate)
        {
            foreach (var path in _files.Keys.Where(path => Below(path, folder) is not null).ToList())
            {
                _files.Remove(path);
            }
        }

        return Task.CompletedTask;
    }

    public Task SyncFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        RepositoryPath.ValidateFolder(prefix);
        return Task.CompletedTask;
    }

    /// <summary>Memory has nothing to flush.</summary>
    public Task SyncAllAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The part of <paramref name="path"/> below <paramref name="folder"/>, or null when it is not below it.</summary>
    private static string? Below(string path, string folder) =>
        folder.Length == 0 ? path
        : path.Length > folder.Length + 1 && path[folder.Length] == '/' && path.StartsWith(folder, StringComparison.Ordinal)
            ? path[(folder.Length + 1)..]
            : null;

    private void Store(string path, byte[] content)
    {
        lock (_gate)
        {
            // Like a file system, a name cannot be both a file and a folder.
            var folder = RepositoryPath.GetFolder(path);
            while (folder.Length > 0)
            {
                if (_files.ContainsKey(folder))
                {
                    throw new OperationFailedException($"unable to write '{Location}/{path}': '{folder}' is a file");
                }

                folder = RepositoryPath.GetFolder(folder);
            }

            if (_files.Keys.Any(existing => Below(existing, path) is not null))
            {
                throw new OperationFailedException($"unable to write '{Location}/{path}': it is a folder");
            }

            _files[path] = new StoredFile(content, _time.GetUtcNow());
        }
    }

    private sealed record StoredFile(byte[] Content, DateTimeOffset ModifiedAt);

    private sealed class Writer(InMemoryRepositoryStorage owner, string path) : RepositoryWriteStream
    {
        private readonly MemoryStream _content = new();
        private bool _completed;
        private bool _disposed;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ThrowIfNotOpen();
            _content.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task CompleteAsync(CancellationToken cancellationToken)
        {
            ThrowIfNotOpen();
            cancellationToken.ThrowIfCancellationRequested();
            owner.Store(path, _content.ToArray());
            _completed = true;
            return Task.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                Interlocked.Decrement(ref owner._openWrites);
            }

            base.Dispose(disposing);
        }

        private void ThrowIfNotOpen()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_completed)
            {
                throw new InvalidOperationException($"the write of '{path}' is already complete");
            }
        }
    }
}
