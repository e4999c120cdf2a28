using Microsoft.Extensions.Logging;

namespace PgArk.Core.Stores;

/// <summary>Source-generated log events of the stores capability (event ids 2400–2499; the ranges per capability are listed in docs/architecture.md).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2400, Level = LogLevel.Warning, Message = "Neo4j store {Store}: counts of {Database} not recorded: {Message}")]
    public static partial void Neo4jCountsNotRecorded(ILogger logger, string store, string database, string message);

    [LoggerMessage(EventId = 2410, Level = LogLevel.Information, Message = "Qdrant store {Store}: snapshot {Snapshot} of {Collection} created")]
    public static partial void QdrantSnapshotCreated(ILogger logger, string store, string snapshot, string collection);

    [LoggerMessage(EventId = 2411, Level = LogLevel.Warning, Message = "Qdrant store {Store}: unable to delete snapshot {Snapshot}: {Message}")]
    public static partial void QdrantSnapshotNotDeleted(ILogger logger, string store, string snapshot, string message);
}
