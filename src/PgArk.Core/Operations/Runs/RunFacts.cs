using System.Security.Cryptography;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Logical;
using PgArk.Core.Verification;

namespace PgArk.Core.Operations.Runs;

/// <summary>What a run's history record and notification say about it; each operation declares them (<see cref="Operation{TInput,TResult}.Facts"/>).</summary>
public sealed record RunFacts
{
    public string? Server { get; init; }

    /// <summary>The store (stores[].name) a store operation ran on.</summary>
    public string? Store { get; init; }
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

    /// <summary>The server and database <paramref name="input"/> names, when it names them.</summary>
    public static RunFacts Of(object? input) => new()
    {
        Server = (input as IServerInput)?.Server,
        Database = (input as IDatabaseInput)?.Database,
        Store = (input as IStoreInput)?.Store,
    };

    /// <summary>The run failed when the verdict says so.</summary>
    public RunFacts WithVerdict(OperationVerdict verdict) => this with { Failure = verdict.Failure };

    public static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
