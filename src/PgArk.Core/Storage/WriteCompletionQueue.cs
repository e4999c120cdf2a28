namespace PgArk.Core.Storage;

/// <summary>
/// Completes bulk writes in the background so a writer can move on to its next file while the previous one is still
/// being stored (an object store spends a round trip per object; a posix rename does not need this). At most
/// <c>maxInFlight</c> completions run at once: <see cref="CompleteAsync"/> waits for a free slot, which bounds the
/// memory held by finished-but-unstored writes. With <c>maxInFlight</c> 1 every write completes inline.
/// The first failed completion cancels <see cref="Token"/> (so writers stop early) and is rethrown by
/// <see cref="DrainAsync"/> and <see cref="ThrowIfFailed"/>. Disposing cancels and waits for whatever is still in
/// flight; uncompleted writes are disposed, which discards them.
/// </summary>
internal sealed class WriteCompletionQueue : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxInFlight;
    private readonly List<Task> _running = [];
    private Exception? _failure;

    public WriteCompletionQueue(int maxInFlight, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _maxInFlight = maxInFlight;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>Cancelled when the caller's token is, or when a completion failed. Writers should use this token.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>
    /// Takes ownership of <paramref name="write"/>: completes it (inline, or in the background once a slot is free) and
    /// disposes it. The caller must not touch the stream afterwards. After an earlier completion failed, disposes the
    /// write and throws that failure.
    /// </summary>
    public async Task CompleteAsync(RepositoryWriteStream write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (_maxInFlight == 1)
        {
            await using (write.ConfigureAwait(false))
            {
                await write.CompleteAsync(Token).ConfigureAwait(false);
            }
            return;
        }
        try
        {
            await _slots.WaitAsync(Token).ConfigureAwait(false);
        }
        catch
        {
            await write.DisposeAsync().ConfigureAwait(false);
            ThrowIfFailed();
            throw;
        }
        var task = CompleteInBackgroundAsync(write);
        lock (_running)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    /// <summary>Waits for every handed-over write to be stored; throws the first failure.</summary>
    public async Task DrainAsync()
    {
        await WaitForRunningAsync().ConfigureAwait(false);
        ThrowIfFailed();
    }

    /// <summary>Throws the first failed completion, if any (a writer's cancellation is usually its consequence).</summary>
    public void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync().ConfigureAwait(false);
        await WaitForRunningAsync().ConfigureAwait(false);
        _cancel.Dispose();
        _slots.Dispose();
    }

    private async Task CompleteInBackgroundAsync(RepositoryWriteStream write)
    {
        // Yield first so the writer gets its thread back before any synchronous part of the completion runs.
        await Task.Yield();
        try
        {
            await using (write.ConfigureAwait(false))
            {
                await write.CompleteAsync(Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Every error is kept and rethrown by DrainAsync on the writer's side, so none is lost here.
            // A cancellation caused by the caller (or by an earlier failure) is not a failure of its own.
            if (ex is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
            }
            await _cancel.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task WaitForRunningAsync()
    {
        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }
        // Background completions catch their own errors; this only waits.
        await Task.WhenAll(running).ConfigureAwait(false);
    }
}
