using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Restore;

/// <summary>
/// fsyncs restored files through the descriptor that wrote them, while the restore goes on with the next files: no
/// second open and path lookup per file, and the syncs overlap the decompression instead of forming a pass of their own
/// at the end. After each fsync the file's size is read back (fstat) and must equal what the manifest recorded and the
/// write ledger wrote, so a file cut or extended after its writes fails the restore.
/// </summary>
/// <remarks>
/// Bounded: at most <c>capacity</c> descriptors wait, so a cluster of any file count never exhausts the descriptor
/// limit; a writer that gets ahead of the disk waits here. The first failure stops the queue and makes every further
/// <see cref="AddAsync"/> throw, and <see cref="CompleteAsync"/> rethrows it.
/// </remarks>
internal sealed class FileSyncQueue : IAsyncDisposable
{
    private readonly Channel<(SafeFileHandle Handle, string Path, long Size)> _queue;
    private readonly ConcurrentDictionary<string, byte> _synced = new(StringComparer.Ordinal);
    private readonly StageProfile _profile;
    private readonly Task[] _workers;

    public FileSyncQueue(int workers, int capacity, StageProfile profile)
    {
        _queue = Channel.CreateBounded<(SafeFileHandle, string, long)>(new BoundedChannelOptions(capacity)
            { SingleReader = false, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
        _profile = profile;
        _workers = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    /// <summary>Hands over a written file; the queue owns (and closes) <paramref name="handle"/> from here on, also on failure.</summary>
    public async ValueTask AddAsync(SafeFileHandle handle, string path, long expectedSize, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync((handle, path, expectedSize), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException closed) when (closed.InnerException is { } failure)
        {
            // A sync failed: that failure (its exit code, its path) is the restore's, not "the channel is closed".
            handle.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when this queue fsynced <paramref name="path"/> (and it was not rewritten since, see <see cref="Forget"/>).</summary>
    public bool IsSynced(string path) => _synced.ContainsKey(path);

    /// <summary>The file was rewritten after its sync (postgresql.auto.conf gets the recovery settings): sync it again later.</summary>
    public void Forget(string path) => _synced.TryRemove(path, out _);

    /// <summary>Waits until every handed-over file is synced; throws the first failure.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_queue.Reader.TryRead(out var left))
        {
            left.Handle.Dispose();
        }
    }

    private async Task WorkAsync()
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    using (item.Handle)
                    {
                        var start = _profile.Start();
                        Libc.SyncFile(item.Handle, item.Path);
                        var size = RandomAccess.GetLength(item.Handle);
                        _profile.Add(RestoreStage.SyncFiles, start);
                        if (size != item.Size)
                        {
                            throw new IntegrityException($"restored file '{item.Path}' is {size} bytes on disk after its fsync, expected {item.Size}");
                        }
                    }
                    _synced[item.Path] = 0;
                }
            }
        }
        catch (Exception ex)
        {
            // Producers see the failure on their next AddAsync; the other workers stop after their current file.
            _queue.Writer.TryComplete(ex);
            throw;
        }
    }
}
