using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Storage.Posix;

/// <summary>
/// A repository in a local (or mounted) folder. Writes go to a temporary file in the target folder, which is
/// fsynced and renamed over the final name on completion. Files are created 0600 and folders 0700. When the process
/// runs as root and the repository root belongs to another user (typically <c>postgres</c>, whose archive_command
/// writes WAL into the same repository), every created file and folder is handed to that user.
/// </summary>
internal sealed class PosixStorage : IRepositoryStorage
{
    internal const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    internal const UnixFileMode FolderPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const int MinReadBuffer = 4096;
    private const int MaxReadBuffer = 1024 * 1024;
    private const int MaxTemporaryNameBytes = 200;

    private readonly string _root;
    private readonly string _rootWithSlash;

    // Folders created by bulk writes whose entry in their parent folder is not yet durable (see SyncFolderAsync).
    private readonly ConcurrentDictionary<string, byte> _unsyncedFolders = new(StringComparer.Ordinal);

    private volatile OwnerState? _owner;

    /// <param name="rootPath">The repository's root folder; created 0700 on the first write when missing.</param>
    public PosixStorage(string rootPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        _rootWithSlash = _root.EndsWith('/') ? _root : _root + "/";
    }

    public string Location => _root;

    public StorageFeatures Features => StorageFeatures.AtomicRename | StorageFeatures.Folders;

    public int PreferredIoConcurrency => 1;

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = ToFullPath(RepositoryPath.ValidateFile(path));
        return Task.Run<Stream>(
            () =>
            {
                try
                {
                    var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
                    try
                    {
                        // Small files get a buffer of their size: a 1 MiB buffer per manifest or WAL summary would be waste.
                        var bufferSize = (int)Math.Clamp(RandomAccess.GetLength(handle), MinReadBuffer, MaxReadBuffer);
                        return new FileStream(handle, FileAccess.Read, bufferSize);
                    }
                    catch
                    {
                        handle.Dispose();
                        throw;
                    }
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    throw new NotFoundException($"unable to open missing file '{fullPath}' for read");
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Failure($"unable to open file '{fullPath}' for read", ex);
                }
            },
            cancellationToken);
    }

    public Task<RepositoryWriteStream> OpenWriteAsync(string path, WriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        RepositoryPath.ValidateFile(path);
        var fullPath = ToFullPath(path);
        return Task.Run<RepositoryWriteStream>(
            () =>
            {
                var owner = ResolveOwner();
                var folder = RepositoryPath.GetFolder(path);
                var folderPath = ToFullPath(folder);
                var (anchor, created) = EnsureFolder(folder, owner);

                // With SyncFolder, also sync the parents of the folders this write created, so that the whole path
                // to the file survives a crash; bulk writers leave that to SyncFolderAsync.
                IReadOnlyList<string> foldersToSync = !options.SyncFolder ? []
                    : created.Count == 0 ? [folderPath]
                    : [anchor!, .. created];
                if (!options.SyncFolder)
                {
                    foreach (var folderCreated in created)
                    {
                        _unsyncedFolders.TryAdd(folderCreated, 0);
                    }
                }

                var temporaryPath = Path.Combine(folderPath, TemporaryName(RepositoryPath.GetName(path)));
                FileStream file;
                try
                {
                    file = CreateFile(temporaryPath);
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Failure($"unable to open file '{fullPath}' for write", ex);
                }

                if (owner is { } o)
                {
                    try
                    {
                        Libc.ChangeOwner(file.SafeFileHandle, temporaryPath, o.Uid, o.Gid);
                    }
                    catch (IOException ex)
                    {
                        file.Dispose();
                        File.Delete(temporaryPath);
                        throw Failure($"unable to open file '{fullPath}' for write", ex);
                    }
                }

                return new PosixWriteStream(file, temporaryPath, fullPath, foldersToSync, options.SyncFile);
            },
            cancellationToken);
    }

    public Task<StorageEntry?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = ToFullPath(RepositoryPath.ValidateFile(path));
        return Task.Run(
            () =>
            {
                try
                {
                    var info = new FileInfo(fullPath);
                    return info.Exists ? new StorageEntry(path, info.Length, info.LastWriteTimeUtc) : null;
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Failure($"unable to get info for file '{fullPath}'", ex);
                }
            },
            cancellationToken);
    }

    public async IAsyncEnumerable<StorageEntry> ListAsync(
        string prefix, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        var entries = await Task.Run(() => ListFiles(folder, recursive), cancellationToken).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }
    }

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var folderPath = ToFullPath(RepositoryPath.ValidateFolder(prefix));
        return Task.Run<IReadOnlyList<string>>(
            () =>
            {
                var folders = Enumerate(
                    folderPath,
                    recursive: false,
                    (ref FileSystemEntry entry) => entry.IsDirectory && !IsSymbolicLink(ref entry) && !IsTemporary(ref entry),
                    (ref FileSystemEntry entry) => entry.FileName.ToString());
                folders.Sort(StringComparer.Ordinal);
                return folders;
            },
            cancellationToken);
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = ToFullPath(RepositoryPath.ValidateFile(path));
        return Task.Run(
            () =>
            {
                try
                {
                    File.Delete(fullPath);
                }
                catch (DirectoryNotFoundException)
                {
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Failure($"unable to delete file '{fullPath}'", ex);
                }
            },
            cancellationToken);
    }

    public Task DeleteFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = RepositoryPath.ValidateFolder(prefix);
        if (folder.Length == 0)
        {
            throw new UsageException($"refusing to delete the root of repository '{_root}'");
        }

        var folderPath = ToFullPath(folder);
        return Task.Run(
            () =>
            {
                // Rename first so that the folder disappears from listings at once: a crash half-way through the
                // recursive delete leaves a temporary folder that nothing lists, not a half-deleted backup.
                var doomed = Path.Combine(Path.GetDirectoryName(folderPath)!, TemporaryName(RepositoryPath.GetName(folder)));
                try
                {
                    Directory.Move(folderPath, doomed);
                }
                catch (DirectoryNotFoundException)
                {
                    return;
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    if (!Directory.Exists(folderPath))
                    {
                        return;
                    }

                    throw Failure($"unable to delete folder '{folderPath}'", ex);
                }

                RemoveUnsyncedBelow(folderPath);
                try
                {
                    Directory.Delete(doomed, recursive: true);
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Failure($"unable to delete folder '{folderPath}' (renamed to '{doomed}')", ex);
                }
            },
            cancellationToken);
    }

    public Task SyncAllAsync(CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            try
            {
                // One syncfs flushes every file, rename and folder of the repository's file system.
                Libc.SyncFileSystem(_root);
                _unsyncedFolders.Clear();
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                throw Failure($"unable to sync repository '{_root}'", ex);
            }
        },
        cancellationToken);

    public Task SyncFolderAsync(string prefix, CancellationToken cancellationToken)
    {
        var folderPath = ToFullPath(RepositoryPath.ValidateFolder(prefix));
        return Task.Run(
            () =>
            {
                if (!Directory.Exists(folderPath))
                {
                    throw new NotFoundException($"unable to sync missing folder '{folderPath}'");
                }

                try
                {
                    Libc.SyncFolder(folderPath);

                    // A folder created by a bulk write is only durable once its own parent is synced too.
                    var current = folderPath;
                    while (current.Length > _root.Length && _unsyncedFolders.TryRemove(current, out _))
                    {
                        current = Path.GetDirectoryName(current)!;
                        Libc.SyncFolder(current);
                    }
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Failure($"unable to sync folder '{folderPath}'", ex);
                }
            },
            cancellationToken);
    }

    internal static bool IsTemporaryName(ReadOnlySpan<char> name) => name.Contains(RepositoryPath.TemporaryMarker, StringComparison.Ordinal);

    internal static bool IsIoFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    internal static OperationFailedException Failure(string message, Exception ex) => new($"{message}: {ex.Message}", innerException: ex);

    private string ToFullPath(string relativePath) => relativePath.Length == 0 ? _root : _rootWithSlash + relativePath;

    private List<StorageEntry> ListFiles(string folder, bool recursive)
    {
        var files = Enumerate(
            ToFullPath(folder),
            recursive,
            (ref FileSystemEntry entry) => !entry.IsDirectory && !IsTemporary(ref entry),
            (ref FileSystemEntry entry) =>
                new StorageEntry(entry.ToFullPath()[_rootWithSlash.Length..], entry.Length, entry.LastWriteTimeUtc));
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    private static List<T> Enumerate<T>(
        string folderPath,
        bool recursive,
        FileSystemEnumerable<T>.FindPredicate include,
        FileSystemEnumerable<T>.FindTransform transform)
    {
        // AttributesToSkip = 0: the default skips "hidden" entries, which on Unix means every name starting with '.'.
        var options = new EnumerationOptions { RecurseSubdirectories = recursive, AttributesToSkip = 0, IgnoreInaccessible = false };
        try
        {
            return
            [
                .. new FileSystemEnumerable<T>(folderPath, transform, options)
                {
                    ShouldIncludePredicate = include,
                    ShouldRecursePredicate = (ref FileSystemEntry entry) => !IsSymbolicLink(ref entry) && !IsTemporary(ref entry),
                },
            ];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Failure($"unable to list folder '{folderPath}'", ex);
        }
    }

    private static bool IsTemporary(ref FileSystemEntry entry) => IsTemporaryName(entry.FileName);

    private static bool IsSymbolicLink(ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;

    /// <summary>
    /// Creates the missing folders of <paramref name="folder"/> one level at a time (so each gets 0700 and, if
    /// needed, its owner). Returns the deepest folder that already existed and the folders created, top down.
    /// </summary>
    private (string? Anchor, List<string> Created) EnsureFolder(string folder, (uint Uid, uint Gid)? owner)
    {
        var folderPath = ToFullPath(folder);
        var created = new List<string>();
        if (Directory.Exists(folderPath))
        {
            return (null, created);
        }

        try
        {
            if (!Directory.Exists(_root))
            {
                CreateFolder(_root);
            }

            string? anchor = null;
            var current = _root;
            foreach (var segment in folder.Split('/'))
            {
                var parent = current;
                current = current + "/" + segment;
                if (Directory.Exists(current))
                {
                    continue;
                }

                // A concurrent writer may create the same folder first; CreateDirectory then succeeds quietly.
                CreateFolder(current);
                if (owner is { } o)
                {
                    Libc.ChangeOwner(current, o.Uid, o.Gid);
                }

                anchor ??= parent;
                created.Add(current);
            }

            return (anchor, created);
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Failure($"unable to create folder '{folderPath}'", ex);
        }
    }

    private static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotSupported();
        }

        Directory.CreateDirectory(path, FolderPermissions);
    }

    // Created 0600 from the start: a later chmod would leave a window in which another user could open the file.
    private static FileStream CreateFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotSupported();
        }

        return new FileStream(
            path,
            new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                UnixCreateMode = FilePermissions,
            });
    }

    private static PlatformNotSupportedException NotSupported() => new("posix storage needs a Unix file system");

    /// <summary>
    /// The uid/gid to give created entries: the root folder's owner when we run as root and it is someone else,
    /// otherwise null. Decided once the root folder exists.
    /// </summary>
    private (uint Uid, uint Gid)? ResolveOwner()
    {
        if (_owner is { } known)
        {
            return known.Owner;
        }

        if (!Libc.IsRoot)
        {
            _owner = new OwnerState(null);
            return null;
        }

        var rootOwner = Libc.GetOwner(_root);
        if (rootOwner is null)
        {
            return null;
        }

        var state = new OwnerState(rootOwner.Value.Uid != 0 ? rootOwner : null);
        _owner = state;
        return state.Owner;
    }

    private void RemoveUnsyncedBelow(string folderPath)
    {
        foreach (var folder in _unsyncedFolders.Keys)
        {
            if (folder == folderPath || folder.StartsWith(folderPath + "/", StringComparison.Ordinal))
            {
                _unsyncedFolders.TryRemove(folder, out _);
            }
        }
    }

    /// <summary>".name.pgark-tmp.pid.random": hidden, unique, and never a valid repository path.</summary>
    private static string TemporaryName(string name)
    {
        // Keep the temporary name within NAME_MAX (255 bytes) however long the final name is.
        var kept = new StringBuilder();
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > MaxTemporaryNameBytes)
            {
                break;
            }

            kept.Append(rune.ToString());
        }

        return $".{kept}{RepositoryPath.TemporaryMarker}{Environment.ProcessId}.{RandomNumberGenerator.GetHexString(12, lowercase: true)}";
    }

    private sealed record OwnerState((uint Uid, uint Gid)? Owner);
}
