using PgArk.Core.Storage;
using PgArk.Tests.TestDoubles;

#pragma warning disable CA2000 // the queue under test owns (completes and disposes) every write handed to it

namespace PgArk.Tests.Storage;

public sealed class WriteCompletionQueueTests
{
    private readonly InMemoryRepositoryStorage _storage = new();

    [Fact]
    public async Task MoreWritesThanSlots_AtMostMaxInFlightComplete_TheNextWaitsForAFreeSlot()
    {
        var gate = new CompletionGate();
        var queue = new WriteCompletionQueue(3, CancellationToken.None);
        await using (queue)
        {
            for (var i = 0; i < 3; i++)
            {
                await queue.CompleteAsync(new GatedWriteStream(await OpenAsync($"f{i}"), gate));
            }
            await gate.WaitForRunningAsync(3);
            var fourth = queue.CompleteAsync(new GatedWriteStream(await OpenAsync("f3"), gate));

            Assert.False(fourth.IsCompleted, "a fourth completion was accepted while three were in flight");
            gate.ReleaseOne();
            await fourth;
            gate.ReleaseAll();
            await queue.DrainAsync();
        }

        Assert.Equal(3, gate.MaxConcurrent);
        Assert.Equal(["f0", "f1", "f2", "f3"], _storage.Paths);
        Assert.Equal(0, _storage.OpenWriteCount);
    }

    [Fact]
    public async Task OneSlot_CompletesInline()
    {
        var queue = new WriteCompletionQueue(1, CancellationToken.None);
        await using (queue)
        {
            var write = await OpenAsync("inline");
            await queue.CompleteAsync(write);

            Assert.Equal(["inline"], _storage.Paths);
            Assert.Equal(0, _storage.OpenWriteCount);
        }
    }

    [Fact]
    public async Task FailedCompletion_CancelsTheToken_DrainThrowsIt_AndNothingPartialIsStored()
    {
        var failing = new FailingStorage(_storage, failOnWrite: 2);
        var queue = new WriteCompletionQueue(4, CancellationToken.None);
        await using (queue)
        {
            for (var i = 0; i < 2; i++)
            {
                var write = await failing.OpenWriteAsync($"f{i}", WriteOptions.Bulk, CancellationToken.None);
                await write.WriteAsync(new byte[] { 1, 2, 3 }, CancellationToken.None);
                await queue.CompleteAsync(write);
            }

            var error = await Assert.ThrowsAsync<IOException>(queue.DrainAsync);
            Assert.Equal("simulated I/O failure on write #2 of 'f1'", error.Message);
            Assert.True(queue.Token.IsCancellationRequested);
            var refused = await Assert.ThrowsAsync<IOException>(async () => await queue.CompleteAsync(await OpenAsync("late")));
            Assert.Same(error, refused);
        }

        Assert.Equal(["f0"], _storage.Paths);
        Assert.Equal(0, _storage.OpenWriteCount);
    }

    [Fact]
    public async Task Dispose_CancelsInFlightCompletions_AndDiscardsTheirWrites()
    {
        var gate = new CompletionGate();
        var queue = new WriteCompletionQueue(4, CancellationToken.None);
        await using (queue)
        {
            await queue.CompleteAsync(new GatedWriteStream(await OpenAsync("pending"), gate));
            await gate.WaitForRunningAsync(1);
        }

        Assert.Empty(_storage.Paths);
        Assert.Equal(0, _storage.OpenWriteCount);
    }

    [Fact]
    public async Task CallerCancelled_QueueRefusesNewWrites_AndDisposesThem()
    {
        using var cancel = new CancellationTokenSource();
        var queue = new WriteCompletionQueue(2, cancel.Token);
        await using (queue)
        {
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.CompleteAsync(await OpenAsync("late")));
            await queue.DrainAsync();
        }

        Assert.Empty(_storage.Paths);
        Assert.Equal(0, _storage.OpenWriteCount);
    }

    private async Task<RepositoryWriteStream> OpenAsync(string path)
    {
        var write = await _storage.OpenWriteAsync(path, WriteOptions.Bulk, CancellationToken.None);
        await write.WriteAsync(new byte[] { 7 }, CancellationToken.None);
        return write;
    }

    /// <summary>Holds every completion until the test releases it, and counts how many wait at once.</summary>
    private sealed class CompletionGate
    {
        private readonly Lock _lock = new();
        private readonly Queue<TaskCompletionSource> _waiting = new();
        private bool _open;
        private int _running;

        public int MaxConcurrent { get; private set; }

        public async Task EnterAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource? release = null;
            lock (_lock)
            {
                _running++;
                MaxConcurrent = Math.Max(MaxConcurrent, _running);
                if (!_open)
                {
                    release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiting.Enqueue(release);
                }
            }
            try
            {
                if (release is not null)
                {
                    await release.Task.WaitAsync(cancellationToken);
                }
            }
            finally
            {
                lock (_lock)
                {
                    _running--;
                }
            }
        }

        public async Task WaitForRunningAsync(int count)
        {
            while (true)
            {
                lock (_lock)
                {
                    if (_running >= count)
                    {
                        return;
                    }
                }
                await Task.Delay(5);
            }
        }

        public void ReleaseOne()
        {
            lock (_lock)
            {
                _waiting.Dequeue().SetResult();
            }
        }

        public void ReleaseAll()
        {
            lock (_lock)
            {
                _open = true;
                while (_waiting.TryDequeue(out var release))
                {
                    release.SetResult();
                }
            }
        }
    }

    /// <summary>A real in-memory write whose completion first waits at the gate (as a slow PUT would).</summary>
    private sealed class GatedWriteStream(RepositoryWriteStream inner, CompletionGate gate) : RepositoryWriteStream
    {
        public override async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await gate.EnterAsync(cancellationToken);
            await inner.CompleteAsync(cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Flush() => inner.Flush();

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
