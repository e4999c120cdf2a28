using System.Globalization;
using System.Net.Mail;
using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>
/// Parsing of <c>notifications.channels</c> (Slack, Teams, Discord, Telegram, e-mail) and <c>notifications.alerts</c>
/// (docs/configuration.md, "Notification channels" and "Alerts").
/// </summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_channelKeys =
    [
        "name", "type", "on", "url", "urlEnv", "urlFile", "botToken", "botTokenEnv", "botTokenFile", "chatId", "apiUrl",
        "host", "port", "security", "username", "password", "passwordEnv", "passwordFile", "from", "to", "caFile",
    ];

    private static readonly string[] s_alertKeys = ["enabled", "evaluateEverySeconds", "repeatEveryMinutes", "thresholds", "servers"];
    private static readonly string[] s_thresholdKeys = ["noBackupHours", "sizeChangePercent", "restoreMinutes", "walLagSegments", "scheduleGraceMinutes", "streamLagMb"];

    private static readonly (string, ChannelKind)[] s_channelKinds =
    [
        ("slack", ChannelKind.Slack), ("teams", ChannelKind.Teams), ("discord", ChannelKind.Discord), ("telegram", ChannelKind.Telegram),
        ("email", ChannelKind.Email),
    ];

    private static readonly (string, SmtpSecurity)[] s_smtpSecurity =
        [("starttls", SmtpSecurity.StartTls), ("tls", SmtpSecurity.Tls), ("none", SmtpSecurity.None)];

    private static readonly (string, NotificationEvents)[] s_events =
    [
        ("success", NotificationEvents.Success), ("failure", NotificationEvents.Failure), ("alert", NotificationEvents.Alert),
        ("resolved", NotificationEvents.Resolved),
    ];

    private List<ChannelOptions> ParseChannels(YamlMappingReader notifications)
    {
        var channels = new List<ChannelOptions>();
        var list = notifications.Sequence("channels");
        for (var i = 0; list is not null && i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item(notifications.ChildPath("channels"), i);
            if (list.Children[i] is not YamlMappingNode node)
            {
                _problems.Add(path, "expected a mapping with name and type");
                continue;
            }
            if (Channel(new YamlMappingReader(node, path, s_channelKeys, [], _problems)) is not { } channel)
            {
                continue;
            }
            if (channels.Any(c => c.Name == channel.Name))
            {
                _problems.Add(path, $"channel name '{channel.Name}' is used twice");
                continue;
            }
            channels.Add(channel);
        }
        return channels;
    }

    private ChannelOptions? Channel(YamlMappingReader reader)
    {
        var name = reader.Scalar("name", required: true);
        if (name is not null && !IsValidName(name))
        {
            _problems.Add(reader.ChildPath("name"), $"'{name}' is not a valid name (letters, digits, '-', '_')");
            name = null;
        }
        var kind = reader.Choice("type", s_channelKinds);
        if (!reader.Has("type"))
        {
            _problems.Add(reader.ChildPath("type"), "required (slack, teams, discord, telegram or email)");
        }
        var on = ChannelOptions.DefaultEvents;
        if (reader.Sequence("on") is { } events)
        {
            on = NotificationEvents.None;
            for (var i = 0; i < events.Children.Count; i++)
            {
                var text = (events.Children[i] as YamlScalarNode)?.Value;
                var match = s_events.FirstOrDefault(e => e.Item1 == text);
                if (match.Item1 is null)
                {
                    _problems.Add(ConfigProblems.Item(reader.ChildPath("on"), i), "expected success, failure, alert or resolved");
                    continue;
                }
                on |= match.Item2;
            }
        }
        if (name is null || kind is null)
        {
            return null;
        }
        var channel = new ChannelOptions(name, kind.Value, on);
        switch (kind.Value)
        {
            case ChannelKind.Slack or ChannelKind.Teams or ChannelKind.Discord:
                var url = Secret(reader, "url", required: true);
                if (reader.Scalar("url") is { } inline
                    && (!Uri.TryCreate(inline, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
                {
                    // The URL itself is a credential: do not repeat it.
                    _problems.Add(reader.ChildPath("url"), "not an http:// or https:// URL");
                    return null;
                }
                return url is null ? null : channel with { Url = url };
            case ChannelKind.Telegram:
                var token = Secret(reader, "botToken", required: true);
                var chat = reader.Scalar("chatId", required: true);
                var api = ChannelOptions.DefaultTelegramApi;
                if (reader.Scalar("apiUrl") is { } apiText)
                {
                    if (!Uri.TryCreate(apiText, UriKind.Absolute, out api) || api.Scheme is not ("http" or "https"))
                    {
                        _problems.Add(reader.ChildPath("apiUrl"), $"'{apiText}' is not an http:// or https:// URL");
                        return null;
                    }
                }
                return token is null || chat is null ? null : channel with { BotToken = token, ChatId = chat, ApiUrl = api };
            default:
                return Email(reader) is { } email ? channel with { Email = email } : null;
        }
    }

    private EmailChannelOptions? Email(YamlMappingReader reader)
    {
        var host = reader.Scalar("host", required: true);
        var security = reader.Has("security") ? reader.Choice("security", s_smtpSecurity) : SmtpSecurity.StartTls;
        var port = reader.PositiveInt("port") ?? (security == SmtpSecurity.Tls ? 465 : 587);
        if (port > 65535)
        {
            _problems.Add(reader.ChildPath("port"), $"{port} is not a TCP port");
        }
        var username = reader.Scalar("username");
        var password = Secret(reader, "password", required: false);
        if (username is not null && password is null && !HasSecret(reader, "password"))
        {
            _problems.Add(reader.ChildPath("username"), "set password, passwordEnv or passwordFile with username");
        }
        var from = reader.Scalar("from", required: true);
        if (from is not null && !MailAddress.TryCreate(from, out _))
        {
            _problems.Add(reader.ChildPath("from"), $"'{from}' is not an e-mail address");
            from = null;
        }
        var to = new List<string>();
        if (reader.Sequence("to", required: true) is { } recipients)
        {
            for (var i = 0; i < recipients.Children.Count; i++)
            {
                if (recipients.Children[i] is YamlScalarNode { Value: { } address } && MailAddress.TryCreate(address, out _))
                {
                    to.Add(address);
                }
                else
                {
                    _problems.Add(ConfigProblems.Item(reader.ChildPath("to"), i), "expected an e-mail address");
                }
            }
            if (recipients.Children.Count == 0)
            {
                _problems.Add(reader.ChildPath("to"), "list at least one recipient");
            }
        }
        var caFile = reader.AbsolutePath("caFile");
        if (host is null || security is null || from is null || to.Count == 0 || port > 65535)
        {
            return null;
        }
        return new EmailChannelOptions(host, port, security.Value, username, password, from, to, caFile);
    }

    private static bool HasSecret(YamlMappingReader reader, string key) => reader.Has(key) || reader.Has(key + "Env") || reader.Has(key + "File");

    // KEY, KEYEnv or KEYFile: exactly one. Only the source is checked here; the value is read when a notification is sent.
    private SecretSource? Secret(YamlMappingReader reader, string key, bool required)
    {
        var sources = new[] { key, key + "Env", key + "File" }.Where(reader.Has).ToList();
        if (sources.Count == 0)
        {
            if (required)
            {
                _problems.Add(reader.ChildPath(key), $"required (or set {key}Env or {key}File)");
            }
            return null;
        }
        if (sources.Count > 1)
        {
            _problems.Add(reader.ChildPath(sources[1]), $"set only one of {key}, {key}Env, {key}File");
            return null;
        }
        return sources[0] switch
        {
            var s when s == key => reader.Scalar(key) is { } value ? new SecretSource(value, null, null) : null,
            var s when s == key + "Env" => reader.Scalar(s) is { } variable ? new SecretSource(null, variable, null) : null,
            var s => reader.AbsolutePath(s) is { } file ? new SecretSource(null, null, file) : null,
        };
    }

    private AlertOptions ParseAlerts(YamlMappingReader notifications)
    {
        if (notifications.Mapping("alerts") is not { } node)
        {
            return AlertOptions.Default;
        }
        var reader = new YamlMappingReader(node, notifications.ChildPath("alerts"), s_alertKeys, [], _problems);
        var enabled = true;
        if (reader.Scalar("enabled") is { } flag)
        {
            if (!bool.TryParse(flag, out enabled))
            {
                _problems.Add(reader.ChildPath("enabled"), $"'{flag}' is not true or false");
            }
        }
        var every = reader.PositiveInt("evaluateEverySeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : AlertOptions.Default.EvaluateEvery;
        var repeat = reader.PositiveInt("repeatEveryMinutes") is { } minutes ? TimeSpan.FromMinutes(minutes) : AlertOptions.Default.RepeatEvery;
        var defaults = reader.Mapping("thresholds") is { } thresholds
            ? Thresholds(new YamlMappingReader(thresholds, reader.ChildPath("thresholds"), s_thresholdKeys, [], _problems), new AlertThresholds())
            : new AlertThresholds();
        var servers = new Dictionary<string, AlertThresholds>(StringComparer.Ordinal);
        if (reader.Mapping("servers") is { } perServer)
        {
            foreach (var (keyNode, value) in perServer.Children)
            {
                var serverName = (keyNode as YamlScalarNode)?.Value ?? "";
                var path = ConfigProblems.Child(reader.ChildPath("servers"), serverName);
                if (value is not YamlMappingNode mapping)
                {
                    _problems.Add(path, "expected a mapping of thresholds");
                    continue;
                }
                servers[serverName] = Thresholds(new YamlMappingReader(mapping, path, s_thresholdKeys, [], _problems), defaults);
            }
        }
        return new AlertOptions(enabled, every, repeat, defaults, servers);
    }

    private AlertThresholds Thresholds(YamlMappingReader reader, AlertThresholds inherited) => new(
        PositiveNumber(reader, "noBackupHours") ?? inherited.NoBackupHours,
        PositiveNumber(reader, "sizeChangePercent") ?? inherited.SizeChangePercent,
        PositiveNumber(reader, "restoreMinutes") ?? inherited.RestoreMinutes,
        reader.PositiveInt("walLagSegments") ?? inherited.WalLagSegments,
        PositiveNumber(reader, "scheduleGraceMinutes") ?? inherited.ScheduleGraceMinutes,
        reader.PositiveInt("streamLagMb") ?? inherited.StreamLagMegabytes);

    private double? PositiveNumber(YamlMappingReader reader, string key)
    {
        if (reader.Scalar(key) is not { } text)
        {
            return null;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value))
        {
            return value;
        }
        _problems.Add(reader.ChildPath(key), $"'{text}' is not a positive number");
        return null;
    }
}
