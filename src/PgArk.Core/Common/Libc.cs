using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PgArk.Core.Common;

/// <summary>
/// The few Linux system calls .NET does not expose: ownership (chown, geteuid, statx), directory fsync and flock.
/// Constants are Linux values; PgArk runs on Linux only.
/// </summary>
internal static unsafe partial class Libc
{
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int ENOTDIR = 20;
    public const int EWOULDBLOCK = 11;
    private const int ENOSYS = 38;
    private const int EOPNOTSUPP = 95;
    private const int FALLOC_FL_KEEP_SIZE = 1;

    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;

    private const int O_RDONLY = 0;
    private const int O_RDWR = 2;
    private const int O_CREAT = 0x40;
    private const int O_EXCL = 0x80;
    private const int O_TRUNC = 0x200;
    private const int O_CLOEXEC = 0x80000;
    private const int AT_FDCWD = -100;
    private const uint SYNC_FILE_RANGE_WRITE = 2;
    private const uint STATX_UID = 0x8;
    private const uint STATX_GID = 0x10;

    // struct statx has the same layout on every Linux architecture (unlike struct stat), so we read it by offset.
    private const int StatxSize = 256;
    private const int StatxUidOffset = 20;
    private const int StatxGidOffset = 24;
    private const int StatxSizeOffset = 40;
    private const int StatxMtimeOffset = 112; // struct statx_timestamp { s64 tv_sec; u32 tv_nsec; s32 reserved; }
    private const uint STATX_MTIME = 0x40;
    private const uint STATX_SIZE = 0x200;

    // O_DIRECTORY is one of the few open flags whose value differs between architectures.
    private static int ODirectory =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    // O_NOFOLLOW too (x86-64 and most others 0x20000; arm and arm64 0x8000).
    private static int ONoFollow =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    public static bool IsRoot => geteuid() == 0;

    /// <summary>Owner uid/gid of a path (following symlinks), or null when it does not exist.</summary>
    public static (uint Uid, uint Gid)? GetOwner(string path)
    {
        var buffer = stackalloc byte[StatxSize];
        if (statx(AT_FDCWD, path, 0, STATX_UID | STATX_GID, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }

            throw Failure("unable to stat", path, errno);
        }

        return (*(uint*)(buffer + StatxUidOffset), *(uint*)(buffer + StatxGidOffset));
    }

    /// <summary>
    /// Size and modification time (seconds and nanoseconds since the epoch) of a path, following symlinks, or null when it
    /// does not exist. Full precision, unlike <see cref="FileInfo.LastWriteTimeUtc"/> (100 ns), so that it compares equal
    /// with what <c>stat -c '%s %.9Y'</c> prints.
    /// </summary>
    public static (long Size, long Seconds, uint Nanoseconds)? GetSizeAndModified(string path)
    {
        var buffer = stackalloc byte[StatxSize];
        if (statx(AT_FDCWD, path, 0, STATX_SIZE | STATX_MTIME, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }

            throw Failure("unable to stat", path, errno);
        }

        return (*(long*)(buffer + StatxSizeOffset), *(long*)(buffer + StatxMtimeOffset), *(uint*)(buffer + StatxMtimeOffset + 8));
    }

    /// <summary>Flushes the whole file system holding <paramref name="file"/>: one call instead of an fsync per restored file.</summary>
    public static void SyncFileSystem(string file)
    {
        // syncfs needs any descriptor on the file system; O_RDONLY on a folder works where File.OpenHandle would refuse.
        using var handle = Directory.Exists(file) ? Open(file, O_RDONLY, 0) : File.OpenHandle(file, FileMode.Open, FileAccess.Read);
        if (syncfs((int)handle.DangerousGetHandle()) != 0)
        {
            throw Failure("unable to sync the file system of", file, Marshal.GetLastPInvokeError());
        }
    }

    public static void ChangeOwner(string path, uint uid, uint gid)
    {
        if (chown(path, uid, gid) != 0)
        {
            throw Failure("unable to change owner of", path, Marshal.GetLastPInvokeError());
        }
    }

    public static void ChangeOwner(SafeFileHandle handle, string pathForMessages, uint uid, uint gid)
    {
        if (fchown(handle, uid, gid) != 0)
        {
            throw Failure("unable to change owner of", pathForMessages, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>fsync of a folder, which makes the creation, rename or removal of its entries durable.</summary>
    public static void SyncFolder(string path)
    {
        using var handle = Open(path, O_RDONLY | ODirectory, 0);
        if (fsync(handle) != 0)
        {
            throw Failure("unable to sync folder", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>fsync of a file by path (a read-only descriptor is enough on Linux): its data and metadata reach the disk.</summary>
    public static void SyncFile(string path)
    {
        using var handle = Open(path, O_RDONLY, 0);
        if (fsync(handle) != 0)
        {
            throw Failure("unable to sync file", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>fsync through a descriptor the caller already holds (no second open and path lookup).</summary>
    public static void SyncFile(SafeFileHandle handle, string pathForMessages)
    {
        while (fsync(handle) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw Failure("unable to sync file", pathForMessages, errno);
            }
        }
    }

    /// <summary>
    /// One pwrite: returns how many bytes the kernel accepted (possibly fewer than asked; 0 only for an empty span).
    /// EINTR is retried; any other error throws naming the path.
    /// </summary>
    public static int WriteAt(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset, string pathForMessages)
    {
        fixed (byte* pointer = data)
        {
            while (true)
            {
                var written = pwrite(handle, pointer, data.Length, offset);
                if (written >= 0)
                {
                    return (int)written;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    throw Failure("unable to write", pathForMessages, errno);
                }
            }
        }
    }

    /// <summary>ELOOP: open with O_NOFOLLOW met a symbolic link as the last component.</summary>
    public const int ELOOP = 40;

    /// <summary>Opens a file for reading with O_NOFOLLOW: a symbolic link as the last component fails with <see cref="ELOOP"/>.</summary>
    public static SafeFileHandle OpenReadNoFollow(string path) => Open(path, O_RDONLY | ONoFollow, 0);

    /// <summary>
    /// Asks the kernel to start writing a range of a file back to disk now, without waiting (sync_file_range with
    /// SYNC_FILE_RANGE_WRITE), so the disk works while the caller goes on computing. A hint only: it makes nothing
    /// durable (the metadata and a later write error are the fsync's business), so a failure is left for the fsync to report.
    /// </summary>
    public static void StartWriteback(SafeFileHandle handle, long offset, long count) =>
        _ = sync_file_range(handle, offset, count, SYNC_FILE_RANGE_WRITE);

    /// <summary>
    /// Creates a file for a restore with its final permission bits (under the umask; callers set the exact mode later) in
    /// one open: no flock or fstat as File.OpenHandle adds. <paramref name="replace"/> truncates an existing file instead
    /// of failing. A symbolic link at the path is never followed.
    /// </summary>
    public static SafeFileHandle CreateForWrite(string path, uint mode, bool replace) =>
        Open(path, O_RDWR | O_CREAT | ONoFollow | (replace ? O_TRUNC : O_EXCL), mode);

    /// <summary>
    /// Reserves the blocks of a file about to be written (fallocate with FALLOC_FL_KEEP_SIZE: the size stays what the
    /// writes make it). A file system without fallocate is left to allocate as it writes; no space is an error.
    /// </summary>
    public static void Preallocate(SafeFileHandle handle, string pathForMessages, long length)
    {
        while (fallocate(handle, FALLOC_FL_KEEP_SIZE, 0, length) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }
            if (errno is EOPNOTSUPP or ENOSYS)
            {
                return;
            }
            throw Failure("unable to allocate space for", pathForMessages, errno);
        }
    }

    /// <summary>Opens (creating it if needed) a file for read/write without the implicit flock .NET's FileStream takes.</summary>
    public static SafeFileHandle OpenOrCreateReadWrite(string path, uint mode) => Open(path, O_RDWR | O_CREAT, mode);

    /// <summary>Opens a file for reading without the implicit flock .NET's FileStream takes, or null when it does not exist.</summary>
    public static SafeFileHandle? TryOpenRead(string path)
    {
        var fd = OpenRaw(path, O_RDONLY, 0);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ENOENT ? null : throw Failure("unable to open", path, errno);
    }

    /// <summary>flock(2): returns 0 on success, else the errno (EWOULDBLOCK when held elsewhere with LOCK_NB).</summary>
    public static int Flock(SafeFileHandle handle, int operation)
    {
        while (true)
        {
            if (flock(handle, operation) == 0)
            {
                return 0;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return errno;
            }
        }
    }

    public static IOException Failure(string action, string path, int errno) =>
        new($"{action} '{path}': [{errno}] {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    private static SafeFileHandle Open(string path, int flags, uint mode)
    {
        var fd = OpenRaw(path, flags, mode);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failure("unable to open", path, Marshal.GetLastPInvokeError());
    }

    private static nint OpenRaw(string path, int flags, uint mode)
    {
        while (true)
        {
            // O_CLOEXEC: a child process (pg_basebackup, a shell hook) must never inherit a lock or file descriptor.
            var fd = open(path, flags | O_CLOEXEC, mode);
            if (fd >= 0 || Marshal.GetLastPInvokeError() != EINTR)
            {
                return fd;
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int syncfs(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(SafeFileHandle fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pwrite(SafeFileHandle fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sync_file_range(SafeFileHandle fd, long offset, long count, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(SafeFileHandle fd, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

}
