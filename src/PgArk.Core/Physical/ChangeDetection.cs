using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Postgres;

namespace PgArk.Core.Physical;

/// <summary>
/// How a diff/incr decides what changed since its parent, and what it records for the next one:
/// <list type="bullet">
/// <item>Whole files: size and modification time, unless <c>--checksum-all</c>, the clock is behind the parent's end
/// (timestamps from before and after cannot be compared), or the file's modification time is in the future. Those
/// files are read and compared by content (an identical copy becomes a reference). A timeline change never gets
/// here: <see cref="BackupPlanner"/> takes a full backup instead.</item>
/// <item>Pages of a changed main-fork relation file: by page LSN only when both the parent and this backup ran with
/// hint bits WAL-logged (data checksums or <c>wal_log_hints</c>); otherwise by content against the parent's block map;
/// without a map the file is copied whole.</item>
/// </list>
/// </summary>
internal sealed class ChangeDetection
{
    private readonly BackupManifest? _parent;
    private readonly bool _recordBlockMaps;
    private readonly bool _lsnSafe;
    private readonly bool _checksumAll;
    private readonly bool _clockBehindParent;
    private readonly long _nowSeconds;

    public ChangeDetection(BackupManifest? parent, bool hintBitsWalLogged, bool checksumAll, DateTimeOffset now)
    {
        _parent = parent;
        _recordBlockMaps = !hintBitsWalLogged;
        _lsnSafe = parent is not null && parent.HintBitsWalLogged && hintBitsWalLogged;
        _checksumAll = checksumAll;
        _clockBehindParent = parent is not null && now < parent.StopTime;
        _nowSeconds = now.ToUnixTimeSeconds();
    }

    /// <summary>True when this backup records the block map of <paramref name="file"/>.</summary>
    public bool RecordsBlockMap(SourceFile file) => _recordBlockMaps && file.Relation is { Fork: RelationFork.Main };

    /// <summary>True when size and modification time may decide that <paramref name="file"/> is unchanged.</summary>
    public bool TrustsTimestamps(SourceFile file) => !_checksumAll && !_clockBehindParent && file.ModifiedAt <= _nowSeconds;

    /// <summary>How to pick the pages of a delta against <paramref name="parentEntry"/>, or null to copy the file whole.</summary>
    public PageSelection? PageSelectionFor(SourceFile file, ManifestFile parentEntry)
    {
        if (_parent is null || file.Relation is not { Fork: RelationFork.Main })
        {
            return null;
        }
        var parentStart = Lsn.Parse(_parent.StartLsn);
        if (_lsnSafe)
        {
            return new PageSelection(parentStart, null);
        }
        var expectedPages = (parentEntry.Size + RelationFileName.PageSize - 1) / RelationFileName.PageSize;
        return BlockMap.Parse(parentEntry.BlockMap) is { } map && map.Pages == expectedPages ? new PageSelection(parentStart, map) : null;
    }

    /// <summary>Says in the log whenever the cheap ways of telling what changed are not used, and why.</summary>
    public void Explain(ILogger logger, IReadOnlyList<SourceFile> files)
    {
        if (_parent is null)
        {
            return;
        }
        if (!_lsnSafe)
        {
            logger.LogInformation(
                "hint bits are not WAL-logged in backup {Parent} or now (data checksums and wal_log_hints off): changed relation files "
                + "are compared page by page with the parent's block map, and copied whole where it has none", _parent.Id);
        }
        if (_checksumAll)
        {
            return;
        }
        if (_clockBehindParent)
        {
            logger.LogWarning("the clock ({Now}) is behind the end of parent backup {Parent} ({Stop}): every file is compared by content, "
                + "not by modification time", DateTimeOffset.FromUnixTimeSeconds(_nowSeconds), _parent.Id, _parent.StopTime);
            return;
        }
        var future = files.Where(f => f.ModifiedAt > _nowSeconds).ToList();
        if (future.Count > 0)
        {
            var first = future[0];
            logger.LogWarning("{Count} files have a modification time in the future (e.g. '{Path}' at {Time}): they are compared by "
                + "content, not by modification time", future.Count, first.RelativePath, DateTimeOffset.FromUnixTimeSeconds(first.ModifiedAt));
        }
    }
}
