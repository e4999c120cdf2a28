using Microsoft.Extensions.Logging;

namespace PgArk.Core.Operations;

/// <summary>Source-generated log events of the operations capability (event ids 1500–1599; the ranges per capability are listed in docs/architecture.md).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Error, Message = "repository '{Repository}': {Message}")]
    public static partial void RepositoryFailed(ILogger logger, string repository, string message);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Error, Message = "job {Id} ({Operation}): unexpected error")]
    public static partial void JobFailed(ILogger logger, Exception exception, string id, string operation);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "repository '{Repository}' cannot serve this restore: {Message}")]
    public static partial void RepositoryCannotServeRestore(ILogger logger, string repository, string message);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "unable to record {Operation} run of server '{Server}' in the repository history: {Message}")]
    public static partial void ServerRunNotRecorded(ILogger logger, string operation, string? server, string message);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "unable to record {Operation} run of store '{Store}' in the repository history: {Message}")]
    public static partial void StoreRunNotRecorded(ILogger logger, string operation, string store, string message);
}
