using PgArk.Server.Mcp;
using PgArk.Tests.TestDoubles;

#pragma warning disable CA2000 // the session table under test owns (and disposes) every session added to it, and leases are disposed where the test ends them

namespace PgArk.Tests.Server;

/// <summary>The bounds on /mcp's MCP sessions: how many, how long idle, and whose.</summary>
public class McpSessionTableTests
{
    private sealed class Held : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    private static readonly TimeSpan s_idle = TimeSpan.FromMinutes(30);

    [Fact]
    public async Task TryAdd_OverTheLimit_Refused_UntilOneEnds()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        await using var table = new McpSessionTable<Held>(2, s_idle, clock);
        (await table.TryAddAsync("a", "k", new Held()))!.Dispose();
        (await table.TryAddAsync("b", "k", new Held()))!.Dispose();
        Assert.Null(await table.TryAddAsync("c", "k", new Held()));
        Assert.Equal(2, table.Count);

        Assert.Equal(McpSessionTable<Held>.Lookup.Found, await table.EndAsync("a", "k"));
        Assert.NotNull(await table.TryAddAsync("c", "k", new Held()));
    }

    [Fact]
    public async Task IdleSession_EndedAndDisposed_ButNotWhileARequestHoldsIt()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        await using var table = new McpSessionTable<Held>(4, s_idle, clock);
        var idle = new Held();
        var busy = new Held();
        (await table.TryAddAsync("idle", null, idle))!.Dispose();
        var holding = await table.TryAddAsync("busy", null, busy);

        clock.Advance(s_idle + TimeSpan.FromSeconds(1));
        // Expired but not yet pruned: already unknown to its client.
        Assert.Equal(McpSessionTable<Held>.Lookup.NotFound, table.TryAcquire("idle", null, out _));
        Assert.Equal(1, await table.PruneAsync());
        Assert.True(idle.Disposed);
        // A tool call waiting for its user's answer keeps the session, however long it waits.
        Assert.False(busy.Disposed);
        Assert.Equal(McpSessionTable<Held>.Lookup.Found, table.TryAcquire("busy", null, out var again));
        again!.Dispose();
        holding!.Dispose();

        clock.Advance(s_idle - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await table.PruneAsync());
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await table.PruneAsync());
        Assert.True(busy.Disposed);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public async Task AnotherKey_CannotUseOrEndASession()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        await using var table = new McpSessionTable<Held>(4, s_idle, clock);
        var held = new Held();
        (await table.TryAddAsync("s", "ops", held))!.Dispose();

        Assert.Equal(McpSessionTable<Held>.Lookup.OtherOwner, table.TryAcquire("s", "root", out var lease));
        Assert.Null(lease);
        Assert.Equal(McpSessionTable<Held>.Lookup.OtherOwner, table.TryAcquire("s", null, out _));
        Assert.Equal(McpSessionTable<Held>.Lookup.OtherOwner, await table.EndAsync("s", "root"));
        Assert.False(held.Disposed);
        Assert.Equal(McpSessionTable<Held>.Lookup.NotFound, table.TryAcquire("t", "ops", out _));
        Assert.Equal(McpSessionTable<Held>.Lookup.Found, await table.EndAsync("s", "ops"));
        Assert.True(held.Disposed);
    }
}
