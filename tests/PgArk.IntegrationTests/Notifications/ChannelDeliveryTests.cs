using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Notifications;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Notifications;

/// <summary>
/// Each notification channel against a real local receiver on loopback: an HTTP server for Slack, Teams, Discord and
/// Telegram (checking the payload each service documents, and the headers), an SMTP server with STARTTLS for e-mail.
/// </summary>
public sealed class ChannelDeliveryTests : IDisposable
{
    private static readonly TimeSpan s_fastRetry = TimeSpan.FromMilliseconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("pgark-channels-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static PgArkOptions Parse(string channels) => ConfigLoader.Parse($$"""
        repositories:
          - { name: local, path: /var/lib/pgark/repo }
        servers:
          - { name: main, connection: "Host=/run/postgresql", pgdata: /var/lib/postgresql/15/main }
        notifications:
          channels:
        {{channels}}
        """.ReplaceLineEndings("\n"), "/etc/pgark/pgark.yaml", Environment.GetEnvironmentVariable);

    private static Task<NotificationTestResult> TestChannelAsync(PgArkOptions options, string name) =>
        NotificationTester.TestAsync(new OperationContext(options), name, TimeProvider.System, CancellationToken.None, s_fastRetry);

    private static void AssertJsonPost(WebhookReceiver.Delivery delivery)
    {
        Assert.Equal("application/json; charset=utf-8", delivery.Headers["Content-Type"]);
        Assert.StartsWith("pgark/", delivery.Headers["User-Agent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slack_TestMessage_TextAndBlocksAsDocumented()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var options = Parse($"""
                - {"{"} name: ops, type: slack, url: "{receiver.Url("/services/T000/B000/XXXX")}" {"}"}
            """);

        var result = await TestChannelAsync(options, "ops");

        Assert.Equal(("ops", "slack", true), (result.Channel, result.Type, result.Delivered));
        var delivery = Assert.Single(receiver.Deliveries);
        Assert.Equal("/services/T000/B000/XXXX", delivery.Path);
        AssertJsonPost(delivery);
        var body = delivery.Body;
        Assert.StartsWith("PgArk: test notification: ", body.GetProperty("text").GetString(), StringComparison.Ordinal);
        var blocks = body.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(["header", "section", "section"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("plain_text", blocks[0].GetProperty("text").GetProperty("type").GetString());
        Assert.Equal("PgArk: test notification", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("mrkdwn", blocks[1].GetProperty("text").GetProperty("type").GetString());
        Assert.Equal("*Channel*\nops", blocks[2].GetProperty("fields")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Teams_TestMessage_AdaptiveCardInMessageAttachment()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var urlFile = Path.Combine(_directory, "teams-url");
        await File.WriteAllTextAsync(urlFile, receiver.Url("/workflows/abc/triggers/manual/paths/invoke?sig=secret") + "\n");
        var options = Parse($"""
                - {"{"} name: teams, type: teams, urlFile: {urlFile} {"}"}
            """);

        await TestChannelAsync(options, "teams");

        var delivery = Assert.Single(receiver.Deliveries);
        AssertJsonPost(delivery);
        var body = delivery.Body;
        Assert.Equal("message", body.GetProperty("type").GetString());
        var attachment = Assert.Single(body.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, attachment.GetProperty("contentUrl").ValueKind);
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("1.4", card.GetProperty("version").GetString());
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", card.GetProperty("$schema").GetString());
        var items = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal(["TextBlock", "TextBlock", "FactSet"], items.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("PgArk: test notification", items[0].GetProperty("text").GetString());
        var fact = items[2].GetProperty("facts")[0];
        Assert.Equal(("Channel", "teams"), (fact.GetProperty("title").GetString(), fact.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task Discord_FailedRun_ContentEmbedAndNoMentions()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        Environment.SetEnvironmentVariable("PGARK_TEST_DISCORD_URL", receiver.Url("/api/webhooks/123/token"));
        var options = Parse("""
                - { name: discord, type: discord, urlEnv: PGARK_TEST_DISCORD_URL, on: [failure] }
            """);
        var run = FailedBackup("could not connect @everyone");
        using var notifier = new ChannelNotifier(options.Notifications!.Channels, NullLogger.Instance, s_fastRetry);

        notifier.Enqueue(Notification.FromRun(run)!);
        await notifier.FlushAsync(TimeSpan.FromSeconds(30));

        var delivery = Assert.Single(receiver.Deliveries);
        AssertJsonPost(delivery);
        var body = delivery.Body;
        Assert.Equal("PgArk: backup failed", body.GetProperty("content").GetString());
        Assert.Equal("PgArk", body.GetProperty("username").GetString());
        Assert.Equal(0, body.GetProperty("allowed_mentions").GetProperty("parse").GetArrayLength());
        var embed = Assert.Single(body.GetProperty("embeds").EnumerateArray());
        Assert.Equal("PgArk: backup failed", embed.GetProperty("title").GetString());
        Assert.StartsWith("PgArk full backup of server 'main' failed on ", embed.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(0xD93025, embed.GetProperty("color").GetInt32());
        Assert.Equal(run.FinishedAt, DateTimeOffset.Parse(embed.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        var fields = embed.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("main", fields["Server"]);
        Assert.Equal("could not connect @everyone", fields["Error"]);
    }

    [Fact]
    public async Task Telegram_SendMessage_ChatIdTextAtConfiguredApiUrl()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        Environment.SetEnvironmentVariable("PGARK_TEST_TELEGRAM_TOKEN", "123456:AbC-dEf_0");
        var options = Parse($"""
                - {"{"} name: tg, type: telegram, botTokenEnv: PGARK_TEST_TELEGRAM_TOKEN, chatId: "-1001234567890", apiUrl: "{receiver.BaseAddress}" {"}"}
            """);

        await TestChannelAsync(options, "tg");

        var delivery = Assert.Single(receiver.Deliveries);
        Assert.Equal("/bot123456:AbC-dEf_0/sendMessage", delivery.Path);
        AssertJsonPost(delivery);
        Assert.Equal(-1001234567890, delivery.Body.GetProperty("chat_id").GetInt64());
        Assert.StartsWith("PgArk: test notification\n\nThis is a test of notification channel 'tg'", delivery.Body.GetProperty("text").GetString(),
            StringComparison.Ordinal);
        Assert.True(delivery.Body.GetProperty("link_preview_options").GetProperty("is_disabled").GetBoolean());
    }

    [Fact]
    public async Task Webhook_FailingThenGood_RetriedUntilAccepted()
    {
        await using var receiver = await WebhookReceiver.StartAsync(503, 429);
        var options = Parse($"""
                - {"{"} name: ops, type: slack, url: "{receiver.Url("/hook")}" {"}"}
            """);

        await TestChannelAsync(options, "ops");

        Assert.Equal([503, 429, 200], receiver.Deliveries.Select(d => d.AnsweredStatus));
        Assert.Single(receiver.Deliveries.Select(d => d.RawBody).Distinct());
    }

    [Fact]
    public async Task Webhook_ClientError_NotRetried_TestFailsWithoutTheUrl()
    {
        await using var receiver = await WebhookReceiver.StartAsync(404);
        var options = Parse($"""
                - {"{"} name: ops, type: discord, url: "{receiver.Url("/api/webhooks/1/SECRET-TOKEN")}" {"}"}
            """);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() => TestChannelAsync(options, "ops"));

        Assert.Single(receiver.Deliveries);
        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-TOKEN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enqueue_OnlyChannelsListingTheEvent_AndNeverThrowsWhenUnreachable()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var options = Parse($"""
                - {"{"} name: failures, type: slack, url: "{receiver.Url("/failures")}", on: [failure] {"}"}
                - {"{"} name: successes, type: slack, url: "{receiver.Url("/successes")}", on: [success] {"}"}
                - {"{"} name: down, type: slack, url: "http://127.0.0.1:1/nothing-listens", on: [failure] {"}"}
            """);
        using var notifier = new ChannelNotifier(options.Notifications!.Channels, NullLogger.Instance, s_fastRetry, maxRetries: 1);

        notifier.Enqueue(Notification.FromRun(FailedBackup("disk full"))!);
        await notifier.FlushAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["/failures"], receiver.Deliveries.Select(d => d.Path));
    }

    [Fact]
    public async Task Email_StartTls_MessageSentOnlyAfterTls_WithAuthAndHeaders()
    {
        await using var smtp = new SmtpReceiver();
        Environment.SetEnvironmentVariable("PGARK_TEST_SMTP_PASSWORD", "smtp-secret");
        var options = Parse($"""
                - name: mail
                  type: email
                  host: 127.0.0.1
                  port: {smtp.Port}
                  security: starttls
                  caFile: {smtp.CaFile}
                  username: pgark
                  passwordEnv: PGARK_TEST_SMTP_PASSWORD
                  from: "PgArk <pgark@example.test>"
                  to: [ dba@example.test, oncall@example.test ]
            """);

        await TestChannelAsync(options, "mail");

        var message = Assert.Single(smtp.Messages);
        Assert.True(message.OverTls);
        Assert.Equal(("pgark", "smtp-secret"), (message.User, message.Password));
        Assert.Equal("pgark@example.test", message.MailFrom);
        Assert.Equal(["dba@example.test", "oncall@example.test"], message.Recipients);
        // Nothing but EHLO and STARTTLS went over the plain connection.
        Assert.Equal(["EHLO", "STARTTLS"], smtp.Commands.Where(c => !c.OverTls).Select(c => c.Line.Split(' ')[0]));
        using var mime = await MimeMessage.LoadAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(message.Data)));
        Assert.Equal("PgArk: test notification", mime.Subject);
        Assert.Equal(["dba@example.test", "oncall@example.test"], mime.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("This is a test of notification channel 'mail'", mime.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Email_ServerWithoutStartTls_NothingSentInClear()
    {
        await using var smtp = new SmtpReceiver(offerStartTls: false);
        var options = Parse($"""
                - {"{"} name: mail, type: email, host: 127.0.0.1, port: {smtp.Port}, from: pgark@example.test, to: [ dba@example.test ] {"}"}
            """);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() => TestChannelAsync(options, "mail"));

        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.Empty(smtp.Messages);
        Assert.DoesNotContain(smtp.Commands, c => c.Line.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Email_UntrustedCertificate_Refused()
    {
        await using var smtp = new SmtpReceiver();
        var options = Parse($"""
                - {"{"} name: mail, type: email, host: 127.0.0.1, port: {smtp.Port}, from: pgark@example.test, to: [ dba@example.test ] {"}"}
            """);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() => TestChannelAsync(options, "mail"));

        Assert.Contains("mail", error.Message, StringComparison.Ordinal);
        Assert.Empty(smtp.Messages);
        Assert.DoesNotContain(smtp.Commands, c => c.OverTls);
    }

    [Fact]
    public async Task Email_PlainRelay_TemporaryFailureThenAccepted_Retried()
    {
        await using var smtp = new SmtpReceiver(offerStartTls: false, temporaryFailures: 1);
        var options = Parse($"""
                - {"{"} name: relay, type: email, security: none, host: 127.0.0.1, port: {smtp.Port}, from: pgark@example.test, to: [ dba@example.test ] {"}"}
            """);

        await TestChannelAsync(options, "relay");

        Assert.Equal(1, smtp.TemporaryFailuresSent);
        var message = Assert.Single(smtp.Messages);
        Assert.False(message.OverTls);
    }

    [Fact]
    public async Task NotifyTestCommand_UnknownChannel_ExitsNotFound_KnownChannelDelivers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var config = Path.Combine(_directory, "pgark.yaml");
        await File.WriteAllTextAsync(config, $"""
            repositories:
              - {"{"} name: local, path: {_directory}/repo {"}"}
            servers:
              - {"{"} name: main, connection: "Host=/run/postgresql", pgdata: /var/lib/postgresql/15/main {"}"}
            notifications:
              channels:
                - {"{"} name: ops, type: slack, url: "{receiver.Url("/hook")}" {"}"}
            """.ReplaceLineEndings("\n"));

        var unknown = await CliRun.RunAsync("--config", config, "notify", "test", "--channel", "nope");
        var known = await CliRun.RunAsync("--config", config, "notify", "test", "--channel", "ops");

        Assert.True(unknown.ExitCode == new NotFoundException("x").ExitCode, unknown.ToString());
        Assert.Contains("channels: ops", unknown.Stderr, StringComparison.Ordinal);
        Assert.True(known.ExitCode == 0, known.ToString());
        Assert.Contains("channel ops (slack webhook): test message delivered", known.Stdout, StringComparison.Ordinal);
        Assert.Single(receiver.Deliveries);
    }

    private static OperationRunRecord FailedBackup(string error)
    {
        var finished = new DateTimeOffset(2026, 12, 3, 2, 0, 5, TimeSpan.Zero);
        return new OperationRunRecord
        {
            RunId = "20261203-020000-000-backup-abcdef12", Operation = "backup", Server = "main", Type = "full", Status = RunStatus.Failure,
            Origin = "schedule", ScheduleKey = "full", StartedAt = finished.AddSeconds(-5), FinishedAt = finished, DurationSeconds = 5,
            Error = error, Host = "db1", ProcessId = 42,
        };
    }
}
