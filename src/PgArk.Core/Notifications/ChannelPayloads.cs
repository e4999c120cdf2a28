using System.Text.Json.Nodes;

namespace PgArk.Core.Notifications;

/// <summary>
/// The JSON body each chat service documents for posting a message. Kept apart from the sending so that the formats can be
/// read (and tested) in one place.
/// </summary>
internal static class ChannelPayloads
{
    // Colours: red for problems, green for good news and resolutions, blue for a test.
    private const int ProblemColor = 0xD93025;
    private const int GoodColor = 0x1E8E3E;
    private const int InfoColor = 0x1A73E8;

    /// <summary>
    /// Slack incoming webhook: <c>text</c> (the fallback shown in notifications) and Block Kit <c>blocks</c>: a header, the
    /// text as mrkdwn, and the facts as section fields (Slack allows 10 per section).
    /// </summary>
    public static JsonObject Slack(Notification n)
    {
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = PlainText(Truncate(n.Title, 150)) },
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate(SlackEscape(n.Text), 3000) } },
        };
        foreach (var chunk in n.Facts.Chunk(10))
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "section",
                ["fields"] = new JsonArray([.. chunk.Select(f => (JsonNode)new JsonObject
                {
                    ["type"] = "mrkdwn",
                    ["text"] = Truncate($"*{SlackEscape(f.Key)}*\n{SlackEscape(f.Value)}", 2000),
                })]),
            });
        }
        return new JsonObject { ["text"] = Truncate(SlackEscape($"{n.Title}: {n.Text}"), 3000), ["blocks"] = blocks };
    }

    /// <summary>
    /// Microsoft Teams (Workflows "post to a channel when a webhook request is received", and incoming webhooks): a
    /// <c>message</c> whose single attachment is an Adaptive Card (<c>application/vnd.microsoft.card.adaptive</c>, version
    /// 1.4) with the title, the text and a FactSet. Office 365 connector MessageCards are retired, so none is sent.
    /// </summary>
    public static JsonObject Teams(Notification n)
    {
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = new JsonArray
            {
                new JsonObject
                {
                    ["type"] = "TextBlock", ["text"] = n.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true,
                    ["color"] = n.IsProblem ? "Attention" : n.Kind == NotificationKind.Test ? "Accent" : "Good",
                },
                new JsonObject { ["type"] = "TextBlock", ["text"] = n.Text, ["wrap"] = true },
                new JsonObject
                {
                    ["type"] = "FactSet",
                    ["facts"] = new JsonArray([.. n.Facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Key, ["value"] = f.Value })]),
                },
            },
        };
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray
            {
                new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card },
            },
        };
    }

    /// <summary>
    /// Discord execute-webhook: <c>content</c> (at most 2,000 characters) and one embed (title ≤ 256, description ≤ 4,096,
    /// up to 25 fields of name ≤ 256 and value ≤ 1,024, ISO 8601 timestamp); <c>allowed_mentions</c> with nothing to parse,
    /// so an error message containing "@everyone" pings no one.
    /// </summary>
    public static JsonObject Discord(Notification n) => new()
    {
        ["username"] = "PgArk",
        ["content"] = Truncate(n.Title, 2000),
        ["embeds"] = new JsonArray
        {
            new JsonObject
            {
                ["title"] = Truncate(n.Title, 256),
                ["description"] = Truncate(n.Text, 4096),
                ["color"] = Color(n),
                ["timestamp"] = n.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["fields"] = new JsonArray([.. n.Facts.Take(25).Select(f => (JsonNode)new JsonObject
                {
                    ["name"] = Truncate(f.Key, 256), ["value"] = Truncate(f.Value, 1024), ["inline"] = f.Value.Length <= 40,
                })]),
            },
        },
        ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
    };

    /// <summary>
    /// Telegram Bot API <c>sendMessage</c>: <c>chat_id</c> (an integer id, or <c>@channelusername</c>) and plain
    /// <c>text</c> of at most 4,096 characters (no parse_mode: nothing in an error message can break the markup), with link
    /// previews off.
    /// </summary>
    public static JsonObject Telegram(Notification n, string chatId) => new()
    {
        ["chat_id"] = long.TryParse(chatId, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? JsonValue.Create(id)
            : JsonValue.Create(chatId),
        ["text"] = Truncate(n.PlainText(withTitle: true), 4096),
        ["link_preview_options"] = new JsonObject { ["is_disabled"] = true },
    };

    private static int Color(Notification n) => n.IsProblem ? ProblemColor : n.Kind == NotificationKind.Test ? InfoColor : GoodColor;

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text };

    // Slack's documented escaping for message text: &, < and > (the rest of mrkdwn stays as written).
    private static string SlackEscape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
