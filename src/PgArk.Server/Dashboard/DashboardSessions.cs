using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using PgArk.Core.Configuration;

namespace PgArk.Server.Dashboard;

/// <summary>A signed-in dashboard page: the key it was opened with (name and role, never the key itself) and its CSRF token.</summary>
internal sealed record DashboardSession(string Id, ApiKeyOptions Key, string CsrfToken, DateTimeOffset Expires);

/// <summary>
/// The dashboard's sign-ins, in memory (a restarted <c>pgark serve</c> asks to sign in again). An API key is exchanged
/// once for a random session id, sent back only as an HttpOnly, SameSite=Strict cookie, and a CSRF token the page keeps
/// in memory and sends with every state-changing request (<see cref="CsrfHeader"/>). A session lasts
/// <see cref="Lifetime"/> from sign-in; it ends earlier when the page signs out or its key leaves the configuration.
/// </summary>
internal sealed class DashboardSessions(TimeProvider clock)
{
    public const string CookieName = "pgark_session";
    public const string CsrfHeader = "X-CSRF-Token";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    // Bounds memory against a caller that signs in in a loop with a valid key.
    private const int MaxSessions = 1000;

    private readonly ConcurrentDictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    public DashboardSession Create(ApiKeyOptions key)
    {
        var now = clock.GetUtcNow();
        foreach (var expired in _sessions.Values.Where(s => s.Expires <= now))
        {
            _sessions.TryRemove(expired.Id, out _);
        }
        if (_sessions.Count >= MaxSessions)
        {
            foreach (var oldest in _sessions.Values.OrderBy(s => s.Expires).Take(_sessions.Count - MaxSessions + 1))
            {
                _sessions.TryRemove(oldest.Id, out _);
            }
        }
        var session = new DashboardSession(RandomToken(), key, RandomToken(), now + Lifetime);
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session with this id whose key is still configured (same name, same hash), or null.</summary>
    public DashboardSession? Find(string? id, IReadOnlyList<ApiKeyOptions> keys)
    {
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }
        var current = keys.FirstOrDefault(k => k.Name == session.Key.Name && k.Sha256 == session.Key.Sha256);
        if (session.Expires <= clock.GetUtcNow() || current is null)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }
        return session with { Key = current };
    }

    public void Remove(string id) => _sessions.TryRemove(id, out _);

    /// <summary>Whether <paramref name="presented"/> is the session's CSRF token (compared in constant time).</summary>
    public static bool CsrfMatches(DashboardSession session, string? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(session.CsrfToken));

    private static string RandomToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
