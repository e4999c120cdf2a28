using System.Globalization;
using PgArk.Core.Configuration;
using PgArk.Core.Postgres;

namespace PgArk.Core.Wal;

/// <summary>
/// How far archiving is behind: WAL files PostgreSQL has marked ready and not yet archived (the oldest one's age is the
/// archive lag), PostgreSQL's own failure count, and, with asynchronous archiving, the spool's statuses.
/// </summary>
/// <param name="Ready">Files waiting in <c>pg_wal/archive_status</c>.</param>
/// <param name="OldestReady">The oldest of them, or null.</param>
/// <param name="LagSeconds">Age of the oldest ready file (0 when none): how much committed WAL exists only on the server.</param>
/// <param name="LastArchived">pg_stat_archiver's last archived file, or null (also when read without a connection).</param>
/// <param name="FailedCount">pg_stat_archiver's failures since its statistics were reset; null when read without a connection.</param>
/// <param name="SpoolOk">Async only: files the pusher stored that PostgreSQL has not yet been told about.</param>
/// <param name="SpoolErrors">Async only: files the pusher could not store, with its message.</param>
public sealed record WalArchiveBacklog(
    long Ready, string? OldestReady, double LagSeconds, string? LastArchived, long? FailedCount,
    int? SpoolOk, IReadOnlyList<string> SpoolErrors)
{
    public static async Task<WalArchiveBacklog> ReadAsync(PostgresSession session, ServerOptions server, CancellationToken cancellationToken)
    {
        var ready = await session.QueryAsync(
            """
            SELECT count(*), min(left(name, 24)), coalesce(extract(epoch FROM now() - min(modification)), 0)::float8
            FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'
            """, cancellationToken).ConfigureAwait(false);
        var archiver = await session.QueryAsync("SELECT last_archived_wal, failed_count FROM pg_stat_archiver", cancellationToken)
            .ConfigureAwait(false);
        var (spoolOk, errors) = ReadSpool(server);
        return new WalArchiveBacklog(
            Convert.ToInt64(ready[0][0], CultureInfo.InvariantCulture), ready[0][1] as string,
            Convert.ToDouble(ready[0][2], CultureInfo.InvariantCulture),
            archiver[0][0] as string, Convert.ToInt64(archiver[0][1], CultureInfo.InvariantCulture), spoolOk, errors);
    }

    /// <summary>
    /// The same without a connection, from the data directory on this host (for <c>info</c>); null when its
    /// <c>pg_wal/archive_status</c> cannot be read here (another host, or no permission).
    /// </summary>
    public static WalArchiveBacklog? TryReadLocal(ServerOptions server)
    {
        try
        {
            var statusFolder = Path.Combine(server.PgData, "pg_wal", "archive_status");
            if (!Directory.Exists(statusFolder))
            {
                return null;
            }
            var ready = WalAsyncPusher.ReadyFiles(statusFolder);
            var lag = ready.Count == 0 ? 0
                : (DateTime.UtcNow - File.GetLastWriteTimeUtc(Path.Combine(statusFolder, ready[0] + ".ready"))).TotalSeconds;
            var (spoolOk, errors) = ReadSpool(server);
            return new WalArchiveBacklog(ready.Count, ready.FirstOrDefault(), Math.Max(0, lag), null, null, spoolOk, errors);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (int? Ok, List<string> Errors) ReadSpool(ServerOptions server)
    {
        var errors = new List<string>();
        var archive = server.ArchiveOrDefault;
        if (!archive.Async)
        {
            return (null, errors);
        }
        var spool = new WalArchiveSpool(archive.Spool, server.Name);
        var statuses = spool.ListStatuses();
        foreach (var (name, _) in statuses.Where(s => !s.Ok))
        {
            errors.Add($"{name}: {spool.TryRead(name)?.Message}");
        }
        return (statuses.Count(s => s.Ok), errors);
    }

    /// <summary>One line for <c>check</c> and <c>info</c>.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Ready} WAL file(s) waiting{(OldestReady is null ? "" : $" (oldest {OldestReady}, {LagSeconds:0} s)")}") +
        (FailedCount is null ? "" : $", last archived {LastArchived ?? "none"}, {FailedCount} failed attempt(s)") +
        (SpoolOk is null ? "" : $"; async spool: {SpoolOk} stored ahead, {SpoolErrors.Count} error(s)") +
        (SpoolErrors.Count == 0 ? "" : ": " + string.Join("; ", SpoolErrors.Take(3)));
}
