using System.Runtime.InteropServices;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <summary>
/// Confines file names given through the API to the configured export folder (<c>exports.path</c>): relative names are
/// taken inside it, and a name that leaves it, by "..", an absolute path elsewhere, or a symbolic link anywhere along the
/// way, is refused before any file is opened.
/// </summary>
internal static partial class ExportFolder
{
    /// <summary>The full path for <paramref name="given"/> inside the export folder.</summary>
    /// <param name="forWrite">The file will be written (its folder must exist); otherwise it must exist and is read.</param>
    public static string Resolve(ExportsOptions? exports, string given, bool forWrite)
    {
        if (exports is null)
        {
            throw new RefusedException("export and import through the API are disabled: no export folder is configured",
                "set exports.path in pgark.yaml; API callers can then read and write files inside that folder only");
        }
        if (string.IsNullOrWhiteSpace(given) || given.Contains('\0', StringComparison.Ordinal))
        {
            throw new UsageException("give a file name inside the export folder");
        }
        var root = RealPath(exports.Path) ?? throw new NotFoundException($"export folder '{exports.Path}' does not exist",
            "create it, or change exports.path in pgark.yaml");
        var full = Path.GetFullPath(given, root);
        if (!IsInside(root, full) || full == root)
        {
            throw Outside(given, root, "");
        }
        // Every existing part of the path is resolved as the kernel would: a link pointing out of the folder is refused.
        var folder = Path.GetDirectoryName(full)!;
        var realFolder = RealPath(folder);
        if (realFolder is null)
        {
            throw new NotFoundException($"folder '{Path.GetRelativePath(root, folder)}' does not exist in the export folder '{root}'");
        }
        if (!IsInside(root, realFolder) && realFolder != root)
        {
            throw Outside(given, root, " through a symbolic link");
        }
        var realFile = RealPath(full);
        if (realFile is not null && !IsInside(root, realFile))
        {
            throw Outside(given, root, " through a symbolic link");
        }
        if (!forWrite && realFile is null)
        {
            throw new NotFoundException($"file '{given}' does not exist in the export folder '{root}'");
        }
        return Path.Combine(realFolder, Path.GetFileName(full));
    }

    /// <summary>
    /// Opens a file <see cref="Resolve"/> accepted, for reading, without the race between the check and the open: the
    /// last component is opened with O_NOFOLLOW (a file swapped for a link meanwhile is refused), and the path the kernel
    /// reports for the open descriptor must still be inside the export folder (a folder swapped for a link is refused).
    /// </summary>
    public static FileStream OpenRead(ExportsOptions exports, string resolved)
    {
        var root = RealPath(exports.Path) ?? throw new NotFoundException($"export folder '{exports.Path}' does not exist");
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
#pragma warning disable CA2000 // disposed below on failure, otherwise owned by the FileStream returned to the caller
            handle = Common.Libc.OpenReadNoFollow(resolved);
#pragma warning restore CA2000
        }
        catch (IOException ex) when (ex.HResult == Common.Libc.ELOOP)
        {
            throw Outside(resolved, root, " through a symbolic link");
        }
        try
        {
            var opened = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
            if (opened is null || !IsInside(root, opened))
            {
                throw Outside(resolved, root, " through a symbolic link");
            }
            return new FileStream(handle, FileAccess.Read, 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static RefusedException Outside(string given, string root, string how) =>
        new($"'{given}' is outside the export folder '{root}'{how}", "give a file name relative to the export folder, without '..'");

    private static bool IsInside(string root, string path) =>
        path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>realpath(3): the canonical path with every symbolic link resolved; null when it does not exist.</summary>
    internal static string? RealPath(string path)
    {
        var resolved = NativeRealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            NativeFree(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr NativeRealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void NativeFree(IntPtr pointer);
}
