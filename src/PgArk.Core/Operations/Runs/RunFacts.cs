using System.Security.Cryptography;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Logical;
using PgArk.Core.Verification;

namespace PgArk.Core.Operations.Runs;

/// <summary>What a run's history record and notification say about it, read from the operation's typed input and result.</summary>
internal sealed record RunFacts
{
    public string? Server { get; init; }
    public string? Database { get; init; }
    public string? Type { get; init; }
    public string? BackupId { get; init; }
    public string? Label { get; init; }
    public long? SizeBytes { get; init; }
    public long? StoredBytes { get; init; }
    public string? Checksum { get; init; }
    public string? StartLsn { get; init; }
    public string? StopLsn { get; init; }

    /// <summary>Set when the operation returned normally but reported a failure (a verification that found problems).</summary>
    public string? Failure { get; init; }

    /// <summary>A dry run promises to change nothing, the repository's history included.</summary>
    public static bool IsDryRun(object? input) =>
        input is ExpireInput { DryRun: true } or ExpireDumpsInput { DryRun: true } or RestoreTableInput { DryRun: true } or RestoreDatabaseInput { DryRun: true };

    public static RunFacts FromInput(object? input) => input switch
    {
        BackupInput b => new() { Server = b.Server, Type = Lower(b.Type), Label = b.Label },
        DumpInput d => new() { Server = d.Server, Database = d.Database, Type = Lower(d.Mode), Label = d.Label },
        RestoreInput r => new() { Server = r.Server, BackupId = r.BackupId },
        VerifyRestoreInput v => new() { Server = v.Server, BackupId = v.BackupId },
        VerifyInput v => new() { Server = v.Server, BackupId = v.BackupId },
        ExpireInput e => new() { Server = e.Server },
        InitInput i => new() { Server = i.Server },
        CheckInput c => new() { Server = c.Server },
        DumpRestoreInput d => new() { Server = d.Server, Database = d.Database, BackupId = d.Dump },
        VerifyDumpInput v => new() { Server = v.Server, BackupId = v.Dump },
        VerifyDumpRestoreInput v => new() { Server = v.Server, Database = v.Database, BackupId = v.Dump },
        DeleteDumpInput d => new() { Server = d.Server, BackupId = d.Dump },
        ExpireDumpsInput e => new() { Server = e.Server },
        ExportInput e => new() { Server = e.Server, Database = e.Database },
        ImportInput i => new() { Server = i.Server, Database = i.Database },
        RestoreDatabaseInput r => new() { Server = r.Server, Database = r.Database },
        RestoreTableInput r => new() { Server = r.Server, Database = r.Database },
        _ => new(),
    };

    public RunFacts WithResult(object? result) => result switch
    {
        Physical.BackupResult r => this with
        {
            BackupId = r.Manifest.Id, Type = Lower(r.Manifest.Type), Label = r.Manifest.Label, SizeBytes = r.Manifest.Size,
            StoredBytes = r.Manifest.StoredSize, Checksum = Sha256(PgArkJson.Serialize(r.Manifest)), StartLsn = r.Manifest.StartLsn,
            StopLsn = r.Manifest.StopLsn,
        },
        DumpManifest m => this with
        {
            BackupId = m.Id, Database = m.Database, Type = Lower(m.Mode), Label = m.Label, SizeBytes = m.Size, StoredBytes = m.StoredSize,
            Checksum = Sha256(PgArkJson.Serialize(m)),
        },
        Restore.RestoreResult r => this with { BackupId = r.BackupId, SizeBytes = r.Bytes },
        VerifyRestoreRecord v => this with
        {
            BackupId = v.BackupId,
            Failure = v.Passed ? null : v.Error ?? "checks failed: " + string.Join("; ", v.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")),
        },
        VerifyReport v => this with
        {
            Failure = v.Ok ? null : $"{v.Problems.Count} problems: " + string.Join("; ", v.Problems.Take(5).Select(p => $"{p.Subject}: {p.Problem}")),
        },
        VerifyDumpResult v => this with { Failure = v.Problems.Count == 0 ? null : string.Join("; ", v.Problems.Take(5)) },
        VerifyDumpRestoreResult v => this with
        {
            BackupId = v.Dump, Database = v.Database, Failure = v.Problems.Count == 0 ? null : string.Join("; ", v.Problems.Take(5)),
        },
        CheckResult c => this with
        {
            Failure = c.Ok ? null : string.Join("; ", c.Checks.Where(i => !i.Ok).Select(i => $"{i.Name}: {i.Detail}")),
        },
        DumpRestoreResult d => this with { BackupId = d.DumpId },
        Restore.DatabaseRestoreResult d => this with { BackupId = d.Plan.Backup.Id },
        Restore.TableRestoreResult t => this with { BackupId = t.Plan.Recovery.Backup.Id },
        _ => this,
    };

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
