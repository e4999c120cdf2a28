using System.Text;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Physical;
using PgArk.Core.Postgres;

namespace PgArk.Tests.Physical;

public class ChangeDetectionTests
{
    private const int PageSize = RelationFileName.PageSize;
    private static readonly DateTimeOffset s_parentStart = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static BackupManifest Parent(bool dataChecksums, bool? walLogHints) => new()
    {
        Id = BackupId.Create(s_parentStart, BackupType.Full).Value, Type = BackupType.Full, Server = "pg1",
        StartTime = s_parentStart, StopTime = s_parentStart.AddMinutes(1), StartLsn = "0/4000000", StopLsn = "0/5000000", Timeline = 1,
        StartWal = "000000010000000000000004", StopWal = "000000010000000000000005", SystemIdentifier = 42, PgVersionNum = 150000,
        WalSegmentSize = 16 << 20, DataChecksums = dataChecksums, WalLogHints = walLogHints, Compression = "zstd", CompressionLevel = 3,
        Size = 1, StoredSize = 1, DurationSeconds = 1, Tablespaces = [], Directories = [], Files = [],
    };

    private static SourceFile Relation(string name, long size, long modifiedAt)
    {
        Assert.True(RelationFileName.TryParse(name, out var relation));
        return new SourceFile($"base/5/{name}", $"/nowhere/base/5/{name}", size, modifiedAt, 0x180, relation);
    }

    private static byte[] Pages(params byte[] fills)
    {
        var data = new byte[fills.Length * PageSize];
        for (var i = 0; i < fills.Length; i++)
        {
            data.AsSpan(i * PageSize, PageSize).Fill(fills[i]);
        }
        return data;
    }

    private static string MapOf(byte[] data)
    {
        var builder = new BlockMap.Builder();
        builder.Append(data);
        return builder.ToBase64();
    }

    private static ManifestFile Entry(byte[] data, string? blockMap) => new()
    {
        Path = "base/5/16384", Size = data.Length, ModifiedAt = 1, Mode = 0x180, Sha256 = "x", StoredSize = 1, BlockMap = blockMap,
    };

    [Fact]
    public void HintBitChange_WithoutNewLsn_IsInTheDeltaWhenComparedByBlockMap()
    {
        var parentData = Pages(1, 2, 3);
        var now = s_parentStart.AddHours(1);
        var parent = Parent(dataChecksums: false, walLogHints: false);
        var detection = new ChangeDetection(parent, hintBitsWalLogged: false, checksumAll: false, now);
        var file = Relation("16384", parentData.Length, now.ToUnixTimeSeconds() - 10);
        var selection = detection.PageSelectionFor(file, Entry(parentData, MapOf(parentData)));

        Assert.NotNull(selection);
        Assert.NotNull(selection.ParentMap);
        var current = Pages(1, 2, 3);
        // A hint bit: one byte in the tuple area, page LSN (bytes 0-7, all 0x02 → an "old" LSN) untouched.
        current[PageSize + 100] ^= 0x01;
        Assert.False(selection.Changed(0, 3, current.AsSpan(0, PageSize)));
        Assert.True(selection.Changed(1, 3, current.AsSpan(PageSize, PageSize)));
        Assert.False(selection.Changed(2, 3, current.AsSpan(2 * PageSize, PageSize)));
        Assert.True(selection.Changed(3, 3, new byte[PageSize]), "a page past the parent's end is always stored");
    }

    [Fact]
    public void LsnFastPath_OnlyWhenParentAndNowWalLogHintBits()
    {
        var now = s_parentStart.AddHours(1);
        var data = Pages(1);
        var file = Relation("16384", data.Length, now.ToUnixTimeSeconds() - 10);
        var checksums = new ChangeDetection(Parent(dataChecksums: true, walLogHints: false), hintBitsWalLogged: true, false, now);
        Assert.Null(checksums.PageSelectionFor(file, Entry(data, null))!.ParentMap);
        var hints = new ChangeDetection(Parent(dataChecksums: false, walLogHints: true), hintBitsWalLogged: true, false, now);
        Assert.Null(hints.PageSelectionFor(file, Entry(data, null))!.ParentMap);
        Assert.False(hints.RecordsBlockMap(file));

        // wal_log_hints switched off since the parent: the parent's map (if any) decides, not LSNs.
        var turnedOff = new ChangeDetection(Parent(dataChecksums: false, walLogHints: true), hintBitsWalLogged: false, false, now);
        Assert.Null(turnedOff.PageSelectionFor(file, Entry(data, null)));
        Assert.True(turnedOff.RecordsBlockMap(file));
        // Checksums enabled offline since the parent (pg_checksums rewrites every page, keeping its LSN).
        var enabled = new ChangeDetection(Parent(dataChecksums: false, walLogHints: false), hintBitsWalLogged: true, false, now);
        Assert.NotNull(enabled.PageSelectionFor(file, Entry(data, MapOf(data)))!.ParentMap);
    }

    [Fact]
    public void NoUsableParentMap_CopiesWhole()
    {
        var now = s_parentStart.AddHours(1);
        var data = Pages(1, 2);
        var file = Relation("16384", data.Length, now.ToUnixTimeSeconds() - 10);
        var detection = new ChangeDetection(Parent(dataChecksums: false, walLogHints: false), hintBitsWalLogged: false, false, now);
        Assert.Null(detection.PageSelectionFor(file, Entry(data, null)));
        Assert.Null(detection.PageSelectionFor(file, Entry(data, MapOf(Pages(1)))));
        Assert.Null(detection.PageSelectionFor(file, Entry(data, "not base64!")));
        Assert.Null(detection.PageSelectionFor(Relation("16384_fsm", data.Length, 1), Entry(data, MapOf(data))));
    }

    [Fact]
    public void FormatOneManifest_WithoutChecksums_IsReadAndNeverTrustsLsns()
    {
        var json = $$"""
            {"format":1,"id":"20261203-100000F","type":"full","server":"pg1","startTime":"2026-12-03T10:00:00+00:00",
             "stopTime":"2026-12-03T10:01:00+00:00","startLsn":"0/4000000","stopLsn":"0/5000000","timeline":1,
             "startWal":"000000010000000000000004","stopWal":"000000010000000000000005","systemIdentifier":42,"pgVersionNum":150000,
             "walSegmentSize":16777216,"dataChecksums":false,"compression":"zstd","compressionLevel":3,"size":8192,"storedSize":10,
             "durationSeconds":1,"tablespaces":[],"directories":[],
             "files":[{"path":"base/5/16384","size":8192,"modifiedAt":1,"mode":384,"sha256":"x","storedSize":10}]}
            """;
        var manifest = PgArkJson.Deserialize<BackupManifest>(Encoding.UTF8.GetBytes(json));
        Assert.Equal(1, manifest.Format);
        Assert.Null(manifest.WalLogHints);
        Assert.False(manifest.HintBitsWalLogged);
        Assert.Null(manifest.Files[0].BlockMap);
        var now = s_parentStart.AddHours(1);
        var detection = new ChangeDetection(manifest, hintBitsWalLogged: false, false, now);
        Assert.Null(detection.PageSelectionFor(Relation("16384", 8192, 5), manifest.Files[0]));
        // A format 1 manifest of a cluster with checksums: its LSNs were trustworthy, the fast path stays.
        var withChecksums = new ChangeDetection(manifest with { DataChecksums = true }, hintBitsWalLogged: true, false, now);
        Assert.Null(withChecksums.PageSelectionFor(Relation("16384", 8192, 5), manifest.Files[0])!.ParentMap);
    }

    [Fact]
    public void Timestamps_NotTrusted_WhenClockIsBehindParent_OrMtimeInFuture()
    {
        var parent = Parent(dataChecksums: true, walLogHints: false);
        var now = s_parentStart.AddHours(1);
        var detection = new ChangeDetection(parent, true, checksumAll: false, now);
        Assert.True(detection.TrustsTimestamps(Relation("16384", 8192, now.ToUnixTimeSeconds() - 100)));
        Assert.False(detection.TrustsTimestamps(Relation("16384", 8192, now.ToUnixTimeSeconds() + 3600)));
        Assert.False(new ChangeDetection(parent, true, checksumAll: true, now).TrustsTimestamps(Relation("16384", 8192, 1)));

        var behind = new ChangeDetection(parent, true, checksumAll: false, s_parentStart.AddSeconds(30));
        Assert.False(behind.TrustsTimestamps(Relation("16384", 8192, 1)));
    }

    [Fact]
    public void BlockMap_PadsPartialLastPage_AndRoundTrips()
    {
        var data = new byte[PageSize + 100];
        data[PageSize + 5] = 7;
        var map = BlockMap.Parse(MapOf(data))!;
        Assert.Equal(2, map.Pages);
        var padded = new byte[PageSize];
        padded[5] = 7;
        Assert.True(map.SamePage(1, padded));
        Assert.True(map.SamePage(0, new byte[PageSize]));
        Assert.False(map.SamePage(2, new byte[PageSize]));
    }
}
