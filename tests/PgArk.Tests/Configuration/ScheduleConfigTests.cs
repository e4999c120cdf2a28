using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

using static PgArk.Tests.Configuration.ConfigText;

namespace PgArk.Tests.Configuration;

public class ScheduleConfigTests
{

    private const string Repositories = """
        repositories:
          - name: local
            path: /var/lib/pgark/repo

        """;

    [Fact]
    public void Parse_Seed001Schedule_DailyAndWeeklySchemaDump()
    {
        var options = Parse(Repositories + """
            servers:
              - name: agents
                connection: "Host=/run/postgresql"
                pgdata: /var/lib/postgresql/16/main
                schedule:
                  timeZone: Europe/Paris
                  full: "0 2 * * *"
                  dump: [ { database: enterprise_agents, cron: "0 3 * * 0", mode: schema } ]
            """);

        var schedule = options.Servers[0].Schedule!;
        Assert.Equal("Europe/Paris", schedule.TimeZone.Id);
        Assert.Equal(["full", "dump:enterprise_agents:schema"], schedule.Entries.Select(e => e.Key));
        var dump = schedule.Entries[1];
        Assert.Equal((ScheduledTask.Dump, "enterprise_agents", DumpMode.Schema, "0 3 * * 0"), (dump.Task, dump.Database, dump.DumpMode, dump.Cron.Text));
        Assert.Same(schedule.TimeZone, dump.Cron.TimeZone);
    }

    [Fact]
    public void Parse_Seed003Schedule_DefaultsToUtc()
    {
        var options = Parse(Repositories + """
            servers:
              - name: main
                connection: "Host=h"
                pgdata: /d
                schedule: { full: "0 1 * * *", diff: "0 */6 * * *", verifyRestore: "0 4 * * 0", expire: "30 4 * * *" }
            """);

        var schedule = options.Servers[0].Schedule!;
        Assert.Equal(TimeZoneInfo.Utc, schedule.TimeZone);
        Assert.Equal([ScheduledTask.Full, ScheduledTask.Diff, ScheduledTask.VerifyRestore, ScheduledTask.Expire], schedule.Entries.Select(e => e.Task));
    }

    [Fact]
    public void Parse_BadSchedule_ReportsEveryProblemWithItsPath()
    {
        var message = ParseError(Repositories + """
            servers:
              - name: pg1
                connection: "Host=h"
                pgdata: /d
                schedule:
                  timeZone: Mars/Olympus
                  incr: "*/2 * * *"
                  full: "0 3 * * 0"
                  fulll: "0 3 * * 0"
                  dump: [ { database: app, mode: everything }, { cron: "0 1 * * *" }, { database: app, cron: "0 1 * * *" }, { database: app, cron: "0 2 * * *" } ]
            """);

        Assert.Equal($"""
            invalid configuration {Source}:
              servers[0].schedule.fulll: unknown key (did you mean 'full'?)
              servers[0].schedule.timeZone: unknown time zone 'Mars/Olympus' (use an IANA name such as UTC or Europe/Paris)
              servers[0].schedule.incr: cron expression '*/2 * * *' has 4 fields; expected 5 (minute hour day month weekday) or 6 (with seconds first)
              servers[0].schedule.dump[0].mode: 'everything' is not one of full, schema, data
              servers[0].schedule.dump[0].cron: required
              servers[0].schedule.dump[1].database: required
              servers[0].schedule.dump[3]: database 'app' already has a full dump schedule
            """.ReplaceLineEndings("\n"), message);
    }

    [Fact]
    public void Parse_Webhooks_SecretEnvHeadersAndEvents()
    {
        var options = Parse(Repositories + """
            servers:
              - { name: pg1, connection: "Host=h", pgdata: /d }
            notifications:
              webhooks:
                - url: https://hooks.slack.com/services/T000/B000/XXXX
                - url: http://127.0.0.1:9000/alerts
                  on: [failure, success]
                  headers: { Authorization: "Bearer abc" }
                  secretEnv: HOOK_SECRET
            """);

        var hooks = options.Notifications!.Webhooks;
        Assert.Equal((true, false, null), (hooks[0].OnFailure, hooks[0].OnSuccess, hooks[0].SecretEnv));
        Assert.Equal((true, true, "HOOK_SECRET", "Bearer abc"), (hooks[1].OnFailure, hooks[1].OnSuccess, hooks[1].SecretEnv, hooks[1].Headers["authorization"]));
        Assert.Equal("WebhookOptions { Url = https://hooks.slack.com/..., OnFailure = True, OnSuccess = False }", hooks[0].ToString());
        Assert.DoesNotContain("abc", hooks[1].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadWebhook_DoesNotEchoTheUrl()
    {
        var message = ParseError(Repositories + """
            servers:
              - { name: pg1, connection: "Host=h", pgdata: /d }
            notifications:
              webhooks:
                - { url: "ftp://user:token@example.com/x", on: [failure, sometimes] }
            """);

        Assert.Equal($"""
            invalid configuration {Source}:
              notifications.webhooks[0].url: not an http:// or https:// URL
              notifications.webhooks[0].on[1]: expected failure or success
            """.ReplaceLineEndings("\n"), message);
    }

    [Fact]
    public void Parse_Catalog_ConnectionFromEnvironmentAndTable()
    {
        var options = Parse(Repositories + """
            servers:
              - { name: pg1, connection: "Host=h", pgdata: /d }
            catalog: { connectionEnv: CATALOG_URL, passwordEnv: CATALOG_PASSWORD, table: pgark_history }
            """, new() { ["CATALOG_URL"] = "Host=db;Database=ops;Username=pgark", ["CATALOG_PASSWORD"] = "pw" });

        Assert.Equal("pgark_history", options.Catalog!.Table);
        Assert.Contains("Password=pw", options.Catalog.Connection, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", options.Catalog.ToString().Replace("pgark_history", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
