using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <summary>Writes a local file so that it appears complete or not at all: a temporary name in the same folder, fsync, rename.</summary>
internal static class AtomicFile
{
    public static async Task<T> WriteAsync<T>(string path, Func<Stream, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new NotFoundException($"folder '{folder}' does not exist");
        }
        if (Directory.Exists(full))
        {
            throw new UsageException($"'{path}' is a folder; give a file name");
        }
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.pgark-{Guid.NewGuid():N}.tmp");
        try
        {
            T result;
            var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous, BufferSize = 1 << 16,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            await using (stream.ConfigureAwait(false))
            {
                result = await write(stream).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
            return result;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
