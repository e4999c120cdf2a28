using PgArk.Core.Catalog;
using PgArk.Core.Configuration;

namespace PgArk.Core.Stores;

/// <summary>The <c>backupSet</c> section: when <c>pgark serve</c> runs <c>backup_set</c> and what it covers (docs/stores.md).</summary>
/// <param name="Schedule">Cron expression (UTC).</param>
/// <param name="Type">Physical backup type for the servers (default incr).</param>
/// <param name="Servers">Only these servers; null: every server.</param>
/// <param name="Stores">Only these stores; null: every store.</param>
public sealed record BackupSetOptions(CronExpression Schedule, BackupType Type, IReadOnlyList<string>? Servers, IReadOnlyList<string>? Stores);
