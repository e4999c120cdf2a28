using System.Runtime.InteropServices;

namespace PgArk.Core.Common;

/// <summary>
/// File ownership on Linux. PgArk often runs as root (cron, CI) while PostgreSQL runs as its own user: files it creates
/// for PostgreSQL (restored data directories) must belong to that user, or the server refuses to start.
/// </summary>
internal static partial class PosixOwnership
{
    private const int AtFdCwd = -100;
    private const uint StatxUid = 0x0008;
    private const uint StatxGid = 0x0010;
    private const int AtSymlinkNoFollow = 0x100;

    public static bool IsRoot => !OperatingSystem.IsWindows() && Geteuid() == 0;

    /// <summary>Owner uid and gid of a path (not following a final symlink).</summary>
    public static (uint Uid, uint Gid) GetOwner(string path)
    {
        // struct statx has the same layout on every Linux architecture, unlike struct stat.
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid | StatxGid, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new IOException($"unable to stat '{path}': {Marshal.GetLastPInvokeErrorMessage()}");
        }
        return (BitConverter.ToUInt32(buffer[20..]), BitConverter.ToUInt32(buffer[24..]));
    }

    public static void SetOwner(string path, uint uid, uint gid)
    {
        if (Lchown(path, uid, gid) != 0)
        {
            throw new IOException($"unable to change the owner of '{path}': {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>Flushes the whole file system holding <paramref name="path"/> (one call instead of an fsync per file).</summary>
    public static void SyncFileSystem(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (Syncfs(handle.DangerousGetHandle().ToInt32()) != 0)
        {
            throw new IOException($"unable to sync the file system of '{path}': {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint Geteuid();

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Lchown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);
}
