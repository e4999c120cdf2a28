using System.Text;

namespace PgArk.Core.Configuration;

/// <summary>One PostgreSQL server (cluster) from <c>pgark.yaml</c> (<c>servers[]</c>), validated.</summary>
/// <param name="Name">Unique name, 1-63 of <c>[A-Za-z0-9_-]</c>; the <c>--server</c> argument.</param>
/// <param name="Connection">
/// Npgsql connection string, already resolved from <c>connection</c>, <c>connectionEnv</c> or <c>connectionFile</c>,
/// with the password from <c>passwordEnv</c> added. A secret: never log it as is; use
/// <see cref="ConnectionStrings.Redact"/>. <see cref="ToString"/> redacts it.
/// </param>
/// <param name="PgData">Absolute data directory of the cluster.</param>
/// <param name="Repositories">Names of the repositories this server backs up to, at least one, each configured.</param>
/// <param name="PgBin">Absolute folder holding the PostgreSQL binaries, or <see langword="null"/> to discover them.</param>
/// <param name="PgVersion">PostgreSQL major version (e.g. 15), or <see langword="null"/> to ask the server.</param>
/// <param name="Verify">Checks for <c>pgark verify-restore</c>, or <see langword="null"/> for the default (amcheck only).</param>
public sealed record ServerOptions(
    string Name,
    string Connection,
    string PgData,
    IReadOnlyList<string> Repositories,
    string? PgBin,
    int? PgVersion,
    VerifyOptions? Verify = null)
{
    /// <summary>Cron schedules run by <c>pgark serve</c> (YAML <c>schedule</c>); null: none.</summary>
    public ScheduleOptions? Schedule { get; init; }

    /// <summary>
    /// WAL segments archive-get keeps fetched ahead during recovery (YAML <c>restore.prefetch</c>; 0: off).
    /// </summary>
    public int RestorePrefetch { get; init; } = DefaultRestorePrefetch;

    /// <summary>archive-push: synchronous (default) or through the asynchronous pusher (YAML <c>archive</c>).</summary>
    public ArchiveOptions? Archive { get; init; }

    /// <summary>
    /// <c>pgark serve</c> runs <c>pgark stream</c> for this server (YAML <c>stream: true</c>): WAL received over a
    /// replication slot, see docs/streaming.md.
    /// </summary>
    public bool Stream { get; init; }

    /// <summary><see cref="Archive"/>, or synchronous archiving with the default spool when not configured.</summary>
    public ArchiveOptions ArchiveOrDefault => Archive ?? ArchiveOptions.Synchronous(PgData);

    /// <summary>8 segments (128 MB at the default segment size), like pgBackRest's default archive-get queue.</summary>
    public const int DefaultRestorePrefetch = 8;

    // Records print every property by default; this keeps the password out of ToString().
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", Connection = ").Append(ConnectionStrings.Redact(Connection))
            .Append(", PgData = ").Append(PgData)
            .Append(", Repositories = [").Append(string.Join(", ", Repositories)).Append(']')
            .Append(", PgBin = ").Append(PgBin)
            .Append(", PgVersion = ").Append(PgVersion);
        return true;
    }
}
