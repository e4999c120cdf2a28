using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Common;

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

/// <summary>
/// The fields of <c>manifest.json</c> that <see cref="BackupHeader"/> keeps, read without the file and folder lists: the
/// reader steps over those (a manifest is hundreds of KB, almost all of it the file list) instead of building an object
/// per file, which made the first listing of 1,000 backups after a start take most of a second (DashboardLoadTests).
/// A manifest that is not valid JSON, or lacks one of these fields, is refused as when it is read whole.
/// </summary>
internal sealed record ManifestHeaderDocument : IJsonFile<ManifestHeaderDocument>
{
    static JsonTypeInfo<ManifestHeaderDocument> IJsonFile<ManifestHeaderDocument>.JsonInfo => CatalogJsonContext.Default.ManifestHeaderDocument;

    public required string Id { get; init; }
    public required BackupType Type { get; init; }
    public string? Parent { get; init; }
    public string? Label { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset StopTime { get; init; }
    public required string StartLsn { get; init; }
    public required string StopLsn { get; init; }
    public required uint Timeline { get; init; }
    public required string StartWal { get; init; }
    public required string StopWal { get; init; }
    public required long Size { get; init; }
    public required long StoredSize { get; init; }
    public required double DurationSeconds { get; init; }
    public IReadOnlyList<PageChecksumError> PageChecksumErrors { get; init; } = [];

    public BackupHeader ToHeader() => new(Id, Type, Parent, Label, StartTime, StopTime, StartLsn, StopLsn, Timeline, StartWal, StopWal, Size,
        StoredSize, DurationSeconds, PageChecksumErrors.Count);
}
