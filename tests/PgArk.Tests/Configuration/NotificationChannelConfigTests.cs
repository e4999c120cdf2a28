using PgArk.Core.Configuration;

using static PgArk.Tests.Configuration.ConfigText;

namespace PgArk.Tests.Configuration;

public class NotificationChannelConfigTests
{
    private const string Base = """
        repositories:
          - { name: local, path: /var/lib/pgark/repo }
        servers:
          - { name: main, connection: "Host=/run/postgresql", pgdata: /var/lib/postgresql/15/main }

        """;

    [Fact]
    public void Parse_EveryChannelType_AndAlertThresholdsPerServer()
    {
        var options = Parse(Base + """
            notifications:
              channels:
                - { name: slack, type: slack, urlEnv: SLACK_URL }
                - { name: teams, type: teams, urlFile: /etc/pgark/teams-url, on: [alert, resolved] }
                - { name: discord, type: discord, url: "https://discord.com/api/webhooks/1/x", on: [success, failure] }
                - { name: tg, type: telegram, botTokenEnv: TG_TOKEN, chatId: "-100123" }
                - { name: mail, type: email, host: smtp.example.com, username: pgark, passwordFile: /etc/pgark/smtp, from: pgark@example.com, to: [ dba@example.com ] }
              alerts:
                repeatEveryMinutes: 30
                thresholds: { noBackupHours: 30 }
                servers:
                  main: { sizeChangePercent: 20, walLagSegments: 4 }
            """);

        var channels = options.Notifications!.Channels;
        Assert.Equal([ChannelKind.Slack, ChannelKind.Teams, ChannelKind.Discord, ChannelKind.Telegram, ChannelKind.Email], channels.Select(c => c.Kind));
        Assert.Equal(ChannelOptions.DefaultEvents, channels[0].On);
        Assert.Equal("SLACK_URL", channels[0].Url!.Environment);
        Assert.Equal(NotificationEvents.Alert | NotificationEvents.Resolved, channels[1].On);
        Assert.Equal("/etc/pgark/teams-url", channels[1].Url!.File);
        Assert.Equal(NotificationEvents.Success | NotificationEvents.Failure, channels[2].On);
        Assert.Equal((ChannelOptions.DefaultTelegramApi, "-100123"), (channels[3].ApiUrl, channels[3].ChatId));
        var mail = channels[4].Email!;
        Assert.Equal((587, SmtpSecurity.StartTls, "/etc/pgark/smtp"), (mail.Port, mail.Security, mail.Password!.File));
        Assert.DoesNotContain("discord.com", channels[2].ToString(), StringComparison.Ordinal);

        var alerts = options.Notifications.Alerts;
        Assert.Equal(TimeSpan.FromMinutes(30), alerts.RepeatEvery);
        Assert.Equal(new AlertThresholds(NoBackupHours: 30), alerts.For("other"));
        Assert.Equal(new AlertThresholds(NoBackupHours: 30, SizeChangePercent: 20, WalLagSegments: 4), alerts.For("main"));
    }

    [Fact]
    public void Parse_NoAlertsSection_Seed004Defaults()
    {
        var thresholds = Parse(Base + "notifications: { channels: [] }\n").Notifications!.Alerts.For("main");

        Assert.Equal((25.0, 50.0, 60.0), (thresholds.NoBackupHours, thresholds.SizeChangePercent, thresholds.RestoreMinutes));
    }

    [Fact]
    public void Parse_InvalidChannels_EveryProblemReported()
    {
        var error = ParseError(Base + """
            notifications:
              channels:
                - { name: a, type: pager }
                - { name: b, type: slack, url: "ftp://x", urlEnv: X }
                - { name: c, type: telegram, chatId: "1" }
                - { name: d, type: email, host: h, from: "not an address", to: [], on: [sometimes] }
                - { name: e, type: slack, url: "https://hooks.slack.com/services/SECRET" }
                - { name: e, type: slack, url: "https://hooks.slack.com/services/SECRET" }
            """);

        Assert.Contains("'pager' is not one of slack, teams, discord, telegram, email", error, StringComparison.Ordinal);
        Assert.Contains("notifications.channels[1].urlEnv: set only one of url, urlEnv, urlFile", error, StringComparison.Ordinal);
        Assert.Contains("notifications.channels[2].botToken: required (or set botTokenEnv or botTokenFile)", error, StringComparison.Ordinal);
        Assert.Contains("'not an address' is not an e-mail address", error, StringComparison.Ordinal);
        Assert.Contains("notifications.channels[3].to: list at least one recipient", error, StringComparison.Ordinal);
        Assert.Contains("notifications.channels[3].on[0]: expected success, failure, alert or resolved", error, StringComparison.Ordinal);
        Assert.Contains("channel name 'e' is used twice", error, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretSource_MissingVariable_ClearErrorAtSendTime()
    {
        var source = new SecretSource(null, "PGARK_TEST_UNSET_VARIABLE_42", null);

        var e = Assert.Throws<PgArk.Core.Errors.ConfigurationException>(source.Resolve);

        Assert.Equal("environment variable 'PGARK_TEST_UNSET_VARIABLE_42' is not set or is empty", e.Message);
    }
}
