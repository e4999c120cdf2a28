namespace PgArk.Server.Mcp;

/// <summary>
/// The MCP sessions of <c>/mcp</c>: at most <c>limit</c> at once, each bound to the API key that opened it, ended after
/// <c>idleTimeout</c> without a request. A session is only needed to carry a request from the service to the client
/// (elicitation) and the client's answer back, so only clients that declare elicitation get one (McpHttpEndpoint).
/// Generic over what a session holds so that the bookkeeping is testable without a network.
/// </summary>
internal sealed class McpSessionTable<T>(int limit, TimeSpan idleTimeout, TimeProvider time) : IAsyncDisposable
    where T : class, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));

    public TimeSpan IdleTimeout { get; } = idleTimeout;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    public enum Lookup
    {
        Found,
        NotFound,
        OtherOwner,
    }

    /// <summary>
    /// Adds a session opened by <paramref name="owner"/> (null: no authentication); false when <see cref="Limit"/> sessions
    /// exist even after ending the expired ones (the caller then disposes <paramref name="value"/>). The session counts as
    /// in use until the returned lease is disposed, so it cannot expire during its own initialize.
    /// </summary>
    public async Task<Lease?> TryAddAsync(string id, string? owner, T value)
    {
        await PruneAsync().ConfigureAwait(false);
        lock (_lock)
        {
            if (_sessions.Count >= Limit || _sessions.ContainsKey(id))
            {
                return null;
            }
            var entry = new Entry(id, owner, value) { InUse = 1, LastUsed = time.GetUtcNow() };
            _sessions.Add(id, entry);
            return new Lease(this, entry);
        }
    }

    /// <summary>Takes a session for one request; it cannot expire while a lease on it is held.</summary>
    public Lookup TryAcquire(string id, string? owner, out Lease? lease)
    {
        lease = null;
        lock (_lock)
        {
            if (!_sessions.TryGetValue(id, out var entry) || IsExpired(entry))
            {
                // An expired session that nobody pruned yet is gone all the same: the client initializes again.
                return Lookup.NotFound;
            }
            if (!string.Equals(entry.Owner, owner, StringComparison.Ordinal))
            {
                // Another key must not answer (or end) this key's confirmation questions.
                return Lookup.OtherOwner;
            }
            entry.InUse++;
            lease = new Lease(this, entry);
            return Lookup.Found;
        }
    }

    /// <summary>Ends a session (DELETE /mcp) when it exists and belongs to <paramref name="owner"/>.</summary>
    public async Task<Lookup> EndAsync(string id, string? owner)
    {
        Entry? ended;
        lock (_lock)
        {
            if (!_sessions.TryGetValue(id, out ended))
            {
                return Lookup.NotFound;
            }
            if (!string.Equals(ended.Owner, owner, StringComparison.Ordinal))
            {
                return Lookup.OtherOwner;
            }
            _sessions.Remove(id);
        }
        await ended.Value.DisposeAsync().ConfigureAwait(false);
        return Lookup.Found;
    }

    /// <summary>Ends every session idle for longer than <see cref="IdleTimeout"/>; returns how many.</summary>
    public async Task<int> PruneAsync()
    {
        List<Entry> expired;
        lock (_lock)
        {
            expired = _sessions.Values.Where(IsExpired).ToList();
            foreach (var entry in expired)
            {
                _sessions.Remove(entry.Id);
            }
        }
        foreach (var entry in expired)
        {
            await entry.Value.DisposeAsync().ConfigureAwait(false);
        }
        return expired.Count;
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> all;
        lock (_lock)
        {
            all = [.. _sessions.Values];
            _sessions.Clear();
        }
        foreach (var entry in all)
        {
            await entry.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Called under _lock. A request in progress (a tool call waiting for the user's answer) keeps its session alive.
    private bool IsExpired(Entry entry) => entry.InUse == 0 && time.GetUtcNow() - entry.LastUsed > IdleTimeout;

    private void Release(Entry entry)
    {
        lock (_lock)
        {
            entry.InUse--;
            entry.LastUsed = time.GetUtcNow();
        }
    }

    internal sealed class Entry(string id, string? owner, T value)
    {
        public string Id { get; } = id;
        public string? Owner { get; } = owner;
        public T Value { get; } = value;
        public int InUse { get; set; }
        public DateTimeOffset LastUsed { get; set; }
    }

    /// <summary>One request's hold on a session.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly McpSessionTable<T> _table;
        private readonly Entry _entry;
        private int _released;

        internal Lease(McpSessionTable<T> table, Entry entry)
        {
            _table = table;
            _entry = entry;
        }

        public string Id => _entry.Id;

        public T Value => _entry.Value;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _table.Release(_entry);
            }
        }
    }
}
