using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PgArk.Core.Errors;

namespace PgArk.Core.Logical;

/// <summary>
/// A directory-format archive for pg_restore without a local copy of the data: <c>toc.dat</c> (and blob lists) are
/// written as files, every table's data file is a named pipe that is fed from the repository, decompressed and checked,
/// when pg_restore opens it. pg_restore (also with --jobs) reads each data file once, start to end, by name, which is
/// all a pipe offers; a file it never opens (entries it skips) is simply never fed.
/// </summary>
internal sealed partial class FifoArchive(DumpCatalog catalog, DumpManifest manifest, string folder)
{
    private const int ReadWriteNonBlockingFlags = 0x1 | 0x800 | 0x80000; // O_WRONLY | O_NONBLOCK | O_CLOEXEC
    private const int FcntlSetFlags = 4; // F_SETFL
    private const int WriteOnly = 0x1;
    private const int NoReaderErrno = 6; // ENXIO: nobody has the pipe open for reading yet
    private const int FcntlSetPipeSize = 1031; // F_SETPIPE_SZ
    private const int PipeSize = 1 << 20;

    public string Folder => folder;

    private static bool IsData(DumpFile file) => file.Name.EndsWith(".dat", StringComparison.Ordinal) && file.Name != "toc.dat";

    /// <summary>Writes the small files and creates one pipe per data file.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(folder, file.Name);
            if (IsData(file))
            {
                if (MakeFifo(path, 0b110_000_000) != 0)
                {
                    throw new OperationFailedException($"unable to create named pipe '{path}': errno {Marshal.GetLastPInvokeError()}");
                }
                continue;
            }
#pragma warning disable CA2000 // disposed by the await using on the next line (the analyzer loses track inside the loop)
            var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
#pragma warning restore CA2000
            await using (output.ConfigureAwait(false))
            {
                await DumpFileStore.CopyVerifiedAsync(catalog, manifest, file, output, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Feeds every pipe pg_restore opens until <paramref name="consumer"/> (pg_restore) has finished, then waits for the
    /// feeds. A feed that fails its checksum is an <see cref="IntegrityException"/>.
    /// </summary>
    public async Task FeedUntilAsync(Task consumer, CancellationToken cancellationToken)
    {
        var pending = manifest.Files.Where(IsData).ToList();
        var feeds = new List<Task>();
        while (true)
        {
            for (var i = pending.Count - 1; i >= 0; i--)
            {
#pragma warning disable CA2000 // ownership passes to FeedAsync, whose FileStream disposes the handle
                if (TryOpenForWriting(Path.Combine(folder, pending[i].Name)) is { } handle)
#pragma warning restore CA2000
                {
                    var file = pending[i];
                    pending.RemoveAt(i);
                    feeds.Add(Task.Run(() => FeedAsync(handle, file, cancellationToken), CancellationToken.None));
                }
            }
            if (consumer.IsCompleted || pending.Count == 0)
            {
                break;
            }
            await Task.WhenAny(consumer, Task.Delay(10, cancellationToken)).ConfigureAwait(false);
        }
        // pg_restore has gone: a feed still writing gets a broken pipe, which only matters when pg_restore succeeded. A feed
        // that failed its checksum is reported whatever pg_restore did: pg_restore may have loaded the damaged rows, or
        // failed on them with a message that does not say the dump is damaged.
        await Task.WhenAll(feeds.Append(consumer)).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)
            .ConfigureAwait(false);
        if (feeds.Select(f => f.Exception?.InnerException).OfType<IntegrityException>().FirstOrDefault() is { } damaged)
        {
            throw new IntegrityException($"{damaged.Message}; pg_restore read that file, so the restored database holds unchecked data and must not be used",
                damaged.Hint ?? "restore another dump, or repair the repository and restore this one again");
        }
        await consumer.ConfigureAwait(false);
        await Task.WhenAll(feeds).ConfigureAwait(false);
    }

    private async Task FeedAsync(SafeFileHandle handle, DumpFile file, CancellationToken cancellationToken)
    {
        var pipe = new FileStream(handle, FileAccess.Write, 0);
        await using (pipe.ConfigureAwait(false))
        {
            await DumpFileStore.CopyVerifiedAsync(catalog, manifest, file, pipe, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Opens the pipe once a reader has it open (non-blocking probe), then switches it to blocking writes.</summary>
    private static SafeFileHandle? TryOpenForWriting(string path)
    {
        var fd = Open(path, ReadWriteNonBlockingFlags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == NoReaderErrno ? null : throw new OperationFailedException($"unable to open named pipe '{path}': errno {errno}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        // A 1 MiB pipe instead of the default 64 KiB: each 1 MiB chunk of the feed then needs one hand-over to
        // pg_restore instead of sixteen, which matters on a machine whose cores are all busy. A hint: a refusal (above
        // /proc/sys/fs/pipe-max-size for an unprivileged user) keeps the default size.
        _ = Fcntl(fd, FcntlSetPipeSize, PipeSize);
        if (Fcntl(fd, FcntlSetFlags, WriteOnly) != 0)
        {
            handle.Dispose();
            throw new OperationFailedException($"unable to configure named pipe '{path}': errno {Marshal.GetLastPInvokeError()}");
        }
        return handle;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
