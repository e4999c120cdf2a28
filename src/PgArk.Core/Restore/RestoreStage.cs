using PgArk.Core.Common;

namespace PgArk.Core.Restore;

/// <summary>The stages of a physical restore that <c>PGARK_PROFILE=1</c> times (see docs/performance.md).</summary>
internal static class RestoreStage
{
    public const int Open = 0;
    public const int Read = 1;
    public const int Decompress = 2;
    public const int Hash = 3;
    public const int Write = 4;
    public const int Writeback = 5;
    public const int FileMetadata = 6;
    public const int Layout = 7;
    public const int Ownership = 8;
    public const int SyncFiles = 9;
    public const int SyncFolders = 10;
    public const int DeltaCompare = 11;
    public const int Plan = 12;

    private static readonly string[] s_names =
        ["open+create", "read", "decompress", "hash", "write", "writeback", "file metadata", "layout", "ownership", "sync files", "sync folders",
            "delta compare", "plan+checks"];

    /// <summary>A profile that is on when <c>PGARK_PROFILE=1</c>.</summary>
    public static StageProfile NewProfile() => new(StageProfile.RequestedByEnvironment, s_names);

    /// <summary>A profile that never reads the clock (callers that report nothing, such as verify).</summary>
    public static StageProfile Off() => new(false, s_names);
}
