using PgArk.Core.Catalog;
using PgArk.Core.Postgres;

namespace PgArk.Core.Retention;

/// <summary>An archived WAL file as retention sees it: its name, where it is stored, its stored size and when it was archived.</summary>
public sealed record RetentionWalFile(WalFileName Name, string Path, long Size, DateTimeOffset ArchivedAt);

/// <summary>A snapshot of one server's catalog in one repository: the input of <see cref="RetentionPlanner.Plan"/>.</summary>
/// <param name="Backups">Complete backups (those with a manifest), in any order.</param>
/// <param name="Wal">Every archived WAL file (segments, partials, .backup and .history files).</param>
/// <param name="WalSegmentSize">The cluster's WAL segment size in bytes.</param>
internal sealed record RetentionCatalog(IReadOnlyList<BackupManifest> Backups, IReadOnlyList<RetentionWalFile> Wal, long WalSegmentSize);
