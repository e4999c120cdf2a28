namespace PgArk.Core.Configuration;

/// <summary>How archive-push stores WAL for one server (YAML <c>servers[].archive</c>).</summary>
/// <param name="Async">
/// True: a long-lived pusher pushes every segment PostgreSQL has marked ready, in parallel, and archive-push only waits
/// for its segment's status in the spool; false (default): archive-push stores the segment itself.
/// </param>
/// <param name="Spool">
/// Absolute folder for the pusher's lock, log and per-segment statuses; statuses go into <c>&lt;spool&gt;/&lt;server&gt;/</c>.
/// Default: <c>pgark_archive_spool</c> in the data directory (never copied by a backup).
/// </param>
/// <param name="Processes">Segments the pusher stores at the same time (1-32).</param>
/// <param name="Timeout">How long archive-push waits for its segment's status before it fails (PostgreSQL then retries).</param>
public sealed record ArchiveOptions(bool Async, string Spool, int Processes, TimeSpan Timeout)
{
    /// <summary>Folder name of the default spool inside the data directory (excluded from backups).</summary>
    public const string DefaultSpoolFolderName = "pgark_archive_spool";

    public const int DefaultProcesses = 4;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Synchronous archiving (the default), with the defaults an <c>archive.async: true</c> would get.</summary>
    public static ArchiveOptions Synchronous(string pgData) =>
        new(false, Path.Combine(pgData, DefaultSpoolFolderName), DefaultProcesses, DefaultTimeout);
}
