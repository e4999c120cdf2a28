using PgArk.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>
/// Parsing of <c>servers[].schedule</c>, <c>notifications</c> and <c>catalog</c> (docs/configuration.md, "Schedules,
/// notifications and history").
/// </summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_scheduleKeys = ["timeZone", "full", "diff", "incr", "dump", "verifyRestore", "expire"];
    private static readonly string[] s_scheduleDumpKeys = ["database", "cron", "mode"];
    private static readonly (string, DumpMode)[] s_dumpModes = [("full", DumpMode.Full), ("schema", DumpMode.Schema), ("data", DumpMode.Data)];
    private static readonly string[] s_notificationKeys = ["webhooks", "channels", "alerts"];
    private static readonly string[] s_webhookKeys = ["url", "on", "headers", "secretEnv"];
    private static readonly string[] s_catalogKeys = ["connection", "connectionEnv", "connectionFile", "passwordEnv", "table"];

    private ScheduleOptions? Schedule(YamlMappingReader server)
    {
        if (server.Mapping("schedule") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, server.ChildPath("schedule"), s_scheduleKeys, [], _problems);
        var timeZone = TimeZoneInfo.Utc;
        if (reader.Scalar("timeZone") is { } zoneName)
        {
            try
            {
                timeZone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                _problems.Add(reader.ChildPath("timeZone"), $"unknown time zone '{zoneName}' (use an IANA name such as UTC or Europe/Paris)");
            }
        }
        var entries = new List<ScheduleEntry>();
        foreach (var (key, task) in new[]
                 {
                     ("full", ScheduledTask.Full), ("diff", ScheduledTask.Diff), ("incr", ScheduledTask.Incr),
                     ("verifyRestore", ScheduledTask.VerifyRestore), ("expire", ScheduledTask.Expire),
                 })
        {
            if (Cron(reader, key, timeZone) is { } cron)
            {
                entries.Add(new ScheduleEntry(key, task, cron));
            }
        }
        var dumps = reader.Sequence("dump");
        for (var i = 0; dumps is not null && i < dumps.Children.Count; i++)
        {
            var path = ConfigProblems.Item(reader.ChildPath("dump"), i);
            if (dumps.Children[i] is not YamlMappingNode dumpNode)
            {
                _problems.Add(path, "expected a mapping with database, cron and mode");
                continue;
            }
            var dump = new YamlMappingReader(dumpNode, path, s_scheduleDumpKeys, [], _problems);
            var database = dump.Scalar("database", required: true);
            if (database is not null && !IsIdentifier(database))
            {
                _problems.Add(dump.ChildPath("database"), "database names are 1-63 characters without NUL");
                database = null;
            }
            var mode = dump.Has("mode") ? dump.Choice("mode", s_dumpModes) : DumpMode.Full;
            var cron = Cron(dump, "cron", timeZone, required: true);
            if (database is null || mode is null || cron is null)
            {
                continue;
            }
            var entryKey = $"dump:{database}:{mode.Value.ToString().ToLowerInvariant()}";
            if (entries.Any(e => e.Key == entryKey))
            {
                _problems.Add(path, $"database '{database}' already has a {mode.Value.ToString().ToLowerInvariant()} dump schedule");
                continue;
            }
            entries.Add(new ScheduleEntry(entryKey, ScheduledTask.Dump, cron, database, mode.Value));
        }
        return new ScheduleOptions(timeZone, entries);
    }

    private CronExpression? Cron(YamlMappingReader reader, string key, TimeZoneInfo timeZone, bool required = false)
    {
        if (reader.Scalar(key, required) is not { } text)
        {
            return null;
        }
        try
        {
            return CronExpression.Parse(text, timeZone);
        }
        catch (UsageException e)
        {
            _problems.Add(reader.ChildPath(key), e.Message);
            return null;
        }
    }

    private NotificationOptions? ParseNotifications(YamlMappingReader root)
    {
        if (root.Mapping("notifications") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, "notifications", s_notificationKeys, [], _problems);
        var webhooks = new List<WebhookOptions>();
        var list = reader.Sequence("webhooks");
        for (var i = 0; list is not null && i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item(reader.ChildPath("webhooks"), i);
            if (list.Children[i] is not YamlMappingNode hookNode)
            {
                _problems.Add(path, "expected a mapping with url and on");
                continue;
            }
            if (Webhook(new YamlMappingReader(hookNode, path, s_webhookKeys, [], _problems)) is { } webhook)
            {
                webhooks.Add(webhook);
            }
        }
        return new NotificationOptions(webhooks) { Channels = ParseChannels(reader), Alerts = ParseAlerts(reader) };
    }

    private WebhookOptions? Webhook(YamlMappingReader reader)
    {
        var text = reader.Scalar("url", required: true);
        Uri? url = null;
        if (text is not null && (!Uri.TryCreate(text, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
        {
            // The URL itself may carry a token: do not repeat it.
            _problems.Add(reader.ChildPath("url"), "not an http:// or https:// URL");
            url = null;
        }
        bool onFailure = true, onSuccess = false;
        if (reader.Sequence("on") is { } events)
        {
            onFailure = false;
            for (var i = 0; i < events.Children.Count; i++)
            {
                switch ((events.Children[i] as YamlScalarNode)?.Value)
                {
                    case "failure":
                        onFailure = true;
                        break;
                    case "success":
                        onSuccess = true;
                        break;
                    default:
                        _problems.Add(ConfigProblems.Item(reader.ChildPath("on"), i), "expected failure or success");
                        break;
                }
            }
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (reader.Mapping("headers") is { } headerNode)
        {
            foreach (var (keyNode, value) in headerNode.Children)
            {
                if (keyNode is YamlScalarNode { Value: { Length: > 0 } name } && value is YamlScalarNode { Value: { } headerValue }
                    && name.All(c => c > ' ' && c < 127 && c != ':'))
                {
                    headers[name] = headerValue;
                }
                else
                {
                    _problems.Add(reader.ChildPath("headers"), $"line {keyNode.Start.Line}: expected 'Header-Name: value'");
                }
            }
        }
        var secretEnv = reader.Scalar("secretEnv");
        return url is null ? null : new WebhookOptions(url, onFailure, onSuccess, headers, secretEnv);
    }

    private CatalogOptions? ParseCatalog(YamlMappingReader root)
    {
        if (root.Mapping("catalog") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, "catalog", s_catalogKeys, [], _problems);
        var connection = Connection(reader);
        var table = reader.Scalar("table") ?? CatalogOptions.DefaultTable;
        if (!IsValidName(table) || char.IsAsciiDigit(table[0]))
        {
            _problems.Add(reader.ChildPath("table"), $"'{table}' is not a valid table name (letters, digits, '_', not starting with a digit)");
        }
        return connection is null ? null : new CatalogOptions(connection, table);
    }
}
