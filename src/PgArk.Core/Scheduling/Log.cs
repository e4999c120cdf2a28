using Microsoft.Extensions.Logging;

namespace PgArk.Core.Scheduling;

/// <summary>Source-generated log events of the scheduling capability (event ids 2500–2599; the ranges per capability are listed in docs/architecture.md).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2500, Level = LogLevel.Information, Message = "no schedules configured")]
    public static partial void NoSchedules(ILogger logger);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Error, Message = "{Owner}: scheduler stopped")]
    public static partial void SchedulerStopped(ILogger logger, Exception exception, string owner);

    [LoggerMessage(EventId = 2510, Level = LogLevel.Warning, Message = "{Owner}: unable to read the schedule state ({Message}); starting afresh")]
    public static partial void CronStateUnreadable(ILogger logger, string owner, string message);

    [LoggerMessage(EventId = 2511, Level = LogLevel.Information, Message = "{Owner}: starting scheduled {Key} ({Cron})")]
    public static partial void CronStarting(ILogger logger, string owner, string key, string cron);

    [LoggerMessage(EventId = 2512, Level = LogLevel.Warning, Message = "{Owner}: scheduled {Key} skipped, a run is going: {Message}")]
    public static partial void CronSkipped(ILogger logger, string owner, string key, string message);

    [LoggerMessage(EventId = 2513, Level = LogLevel.Warning, Message = "{Owner}: scheduled {Key} failed: {Error}")]
    public static partial void CronFailed(ILogger logger, string owner, string key, string? error);

    [LoggerMessage(EventId = 2514, Level = LogLevel.Warning, Message = "{Owner}: unable to save the schedule state: {Message}")]
    public static partial void CronStateUnsaved(ILogger logger, string owner, string message);

    [LoggerMessage(EventId = 2520, Level = LogLevel.Warning, Message = "server '{Server}': unable to read the schedule state ({Message}); starting afresh")]
    public static partial void ServerStateUnreadable(ILogger logger, string server, string message);

    [LoggerMessage(EventId = 2521, Level = LogLevel.Information, Message = "server '{Server}': {Entry} is covered by the {Ran} backup just taken")]
    public static partial void ServerEntryCovered(ILogger logger, string server, string entry, string ran);

    [LoggerMessage(EventId = 2522, Level = LogLevel.Information, Message = "server '{Server}': starting scheduled {Entry} ({Cron})")]
    public static partial void ServerEntryStarting(ILogger logger, string server, string entry, string cron);

    [LoggerMessage(EventId = 2523, Level = LogLevel.Warning, Message = "server '{Server}': scheduled {Entry} skipped, the server is busy: {Message}")]
    public static partial void ServerEntrySkipped(ILogger logger, string server, string entry, string message);

    [LoggerMessage(EventId = 2524, Level = LogLevel.Warning, Message = "server '{Server}': scheduled {Entry} failed: {Error}")]
    public static partial void ServerEntryFailed(ILogger logger, string server, string entry, string? error);

    [LoggerMessage(EventId = 2525, Level = LogLevel.Information, Message = "server '{Server}': scheduled {Entry} succeeded")]
    public static partial void ServerEntrySucceeded(ILogger logger, string server, string entry);

    [LoggerMessage(EventId = 2526, Level = LogLevel.Warning, Message = "server '{Server}': unable to save the schedule state: {Message}")]
    public static partial void ServerStateUnsaved(ILogger logger, string server, string message);
}
