using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Server.Dashboard;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Server;

/// <summary>Dashboard sign-ins: a session lives 12 hours, dies with its key, and carries its own CSRF token.</summary>
public class DashboardSessionsTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly ApiKeyOptions s_viewer = new("viewer", new string('a', 64), OperationRole.Viewer);
    private static readonly ApiKeyOptions s_admin = new("root", new string('b', 64), OperationRole.Admin);

    [Fact]
    public void Find_LiveSession_GivesItsKey_UntilTheLifetimeIsUp()
    {
        var clock = new ManualClock(s_start);
        var sessions = new DashboardSessions(clock);
        var session = sessions.Create(s_admin);

        Assert.Equal(s_admin, sessions.Find(session.Id, [s_viewer, s_admin])?.Key);
        clock.Advance(DashboardSessions.Lifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull(sessions.Find(session.Id, [s_admin]));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(sessions.Find(session.Id, [s_admin]));
    }

    [Fact]
    public void Find_KeyRemovedOrReplacedInConfiguration_SessionEnds()
    {
        var sessions = new DashboardSessions(new ManualClock(s_start));
        var removed = sessions.Create(s_admin);
        var rotated = sessions.Create(s_admin);

        Assert.Null(sessions.Find(removed.Id, [s_viewer]));
        Assert.Null(sessions.Find(rotated.Id, [s_admin with { Sha256 = new string('c', 64) }]));
        Assert.Null(sessions.Find(rotated.Id, [s_admin]));
    }

    [Fact]
    public void Find_RoleChangedInConfiguration_SessionHasTheNewRole()
    {
        var sessions = new DashboardSessions(new ManualClock(s_start));
        var session = sessions.Create(s_admin);

        Assert.Equal(OperationRole.Viewer, sessions.Find(session.Id, [s_admin with { Role = OperationRole.Viewer }])?.Key.Role);
    }

    [Fact]
    public void Sessions_IdsAndTokensRandomAndDistinct_CsrfComparedExactly()
    {
        var sessions = new DashboardSessions(new ManualClock(s_start));
        var first = sessions.Create(s_viewer);
        var second = sessions.Create(s_viewer);

        Assert.Equal(4, new HashSet<string> { first.Id, first.CsrfToken, second.Id, second.CsrfToken }.Count);
        Assert.True(first.Id.Length >= 43 && first.CsrfToken.Length >= 43);
        Assert.True(DashboardSessions.CsrfMatches(first, first.CsrfToken));
        Assert.False(DashboardSessions.CsrfMatches(first, second.CsrfToken));
        Assert.False(DashboardSessions.CsrfMatches(first, null));
        Assert.False(DashboardSessions.CsrfMatches(first, ""));
        Assert.Null(sessions.Find(null, [s_viewer]));
        Assert.Null(sessions.Find("not-a-session", [s_viewer]));
    }

    [Fact]
    public void SignOut_RemovesTheSession()
    {
        var sessions = new DashboardSessions(new ManualClock(s_start));
        var session = sessions.Create(s_viewer);

        sessions.Remove(session.Id);

        Assert.Null(sessions.Find(session.Id, [s_viewer]));
    }
}
