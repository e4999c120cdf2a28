using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Notifications;

namespace PgArk.Tests.Notifications;

public class WebhookPayloadTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

    private static OperationRunRecord Run(string status, string? error = null) => new()
    {
        RunId = "20261121-020000-000-dump-abcd1234",
        Operation = "dump",
        Server = "agents",
        Database = "enterprise_agents",
        Type = "full",
        BackupId = "20261121T020000Z-enterprise_agents-full",
        Status = status,
        Origin = "schedule",
        ScheduleKey = "dump:enterprise_agents:full",
        StartedAt = s_start,
        FinishedAt = s_start.AddSeconds(12),
        DurationSeconds = 12,
        SizeBytes = 4096,
        Error = error,
        Host = "db-host-01",
        ProcessId = 42,
    };

    [Fact]
    public void Build_Failure_HasSeed001FieldsAndSlackText()
    {
        var json = WebhookPayload.Build(Run(RunStatus.Failure, "pg_dump failed: connection refused"));

        Assert.Equal("pgark", (string?)json["service"]);
        Assert.Equal("pgark-dump", (string?)json["event"]);
        Assert.Equal("failure", (string?)json["status"]);
        Assert.Equal("db-host-01", (string?)json["host"]);
        Assert.Equal("PgArk full dump of database 'enterprise_agents' on server 'agents' failed on db-host-01", (string?)json["message"]);
        Assert.Equal("Backup: 20261121T020000Z-enterprise_agents-full | Type: full | Duration: 12s | Size: 4096 bytes | Error: pg_dump failed: connection refused",
            (string?)json["detail"]);
        Assert.Equal("2026-11-21T02:00:12Z", (string?)json["timestamp"]);
        Assert.Equal("enterprise_agents", (string?)json["database"]);
        Assert.Equal(4096, (long?)json["size_bytes"]);
        Assert.Equal(12.0, (double?)json["duration_seconds"]);
        Assert.StartsWith(":rotating_light: PgArk full dump", (string?)json["text"], StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_MasksPasswordsAndUrlCredentials()
    {
        Assert.Equal("connect to Host=db;Password=***; failed, see https://***@example.com/x token: ***",
            Redaction.Redact("connect to Host=db;Password=hunter2; failed, see https://user:pw@example.com/x token: abc123"));
    }
}
