namespace PgArk.Core.Catalog;

/// <summary>
/// A backup's manifest without its file list: what listings (info, list_backups) show. A manifest is hundreds of KB
/// (one entry per file of the cluster); this is a few hundred bytes, so listings can keep it in memory.
/// </summary>
public sealed record BackupHeader(string Id, BackupType Type, string? Parent, string? Label, DateTimeOffset StartTime, DateTimeOffset StopTime,
    string StartLsn, string StopLsn, uint Timeline, string StartWal, string StopWal, long Size, long StoredSize, double DurationSeconds,
    int PageChecksumErrors)
{
    public static BackupHeader From(BackupManifest m) => new(m.Id, m.Type, m.Parent, m.Label, m.StartTime, m.StopTime, m.StartLsn, m.StopLsn,
        m.Timeline, m.StartWal, m.StopWal, m.Size, m.StoredSize, m.DurationSeconds, m.PageChecksumErrors.Count);
}
