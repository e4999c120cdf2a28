using PgArk.Core.Stores;
using PgArk.Core.Stores.Neo4j;
using PgArk.Core.Stores.Qdrant;
using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>
/// Parsing of <c>stores</c>: Qdrant and Neo4j stores backed up beside the PostgreSQL servers (docs/stores.md). The common
/// keys are read here; each kind's own keys in its method below (a new kind adds one method and one folder in Core/Stores).
/// </summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_storeCommonKeys = ["name", "type", "repository", "retention", "schedule"];
    private static readonly string[] s_qdrantKeys = ["url", "apiKey", "apiKeyEnv", "apiKeyFile", "collections", "fullStorage", "timeoutSeconds"];
    private static readonly string[] s_neo4jKeys =
        ["databases", "adminCommand", "version", "home", "config", "httpUrl", "username", "password", "passwordEnv", "passwordFile", "timeoutSeconds"];
    private static readonly string[] s_storeRetentionKeys = ["keep", "days"];
    private static readonly (string, StoreKind)[] s_storeKinds = [("qdrant", StoreKind.Qdrant), ("neo4j", StoreKind.Neo4j)];

    private List<StoreOptions> ParseStores(YamlMappingReader root, IReadOnlyList<string> repositoryNames)
    {
        var stores = new List<StoreOptions>();
        var list = root.Sequence("stores");
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; list is not null && i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item("stores", i);
            if (list.Children[i] is not YamlMappingNode node)
            {
                _problems.Add(path, "expected a mapping with name and type");
                continue;
            }
            var kind = TypeOfStore(node, path);
            string[] keys = kind switch
            {
                StoreKind.Qdrant => [.. s_storeCommonKeys, .. s_qdrantKeys],
                StoreKind.Neo4j => [.. s_storeCommonKeys, .. s_neo4jKeys],
                _ => [.. s_storeCommonKeys, .. s_qdrantKeys, .. s_neo4jKeys],
            };
            var reader = new YamlMappingReader(node, path, keys, [], _problems);
            var name = Name(reader, seen, "store");
            var repository = StoreRepository(reader, repositoryNames);
            StoreOptions? store = kind switch
            {
                StoreKind.Qdrant => Qdrant(reader, name, repository),
                StoreKind.Neo4j => Neo4j(reader, name, repository),
                _ => null,
            };
            if (store is null || name is null || repository is null)
            {
                continue;
            }
            stores.Add(store with
            {
                Retention = StoreRetention(reader),
                Schedule = reader.Has("schedule") ? Cron(reader, "schedule", TimeZoneInfo.Utc) : null,
            });
        }
        return stores;
    }

    private static readonly string[] s_backupSetKeys = ["schedule", "type", "servers", "stores"];
    private static readonly (string, Catalog.BackupType)[] s_setTypes =
        [("full", Catalog.BackupType.Full), ("diff", Catalog.BackupType.Diff), ("incr", Catalog.BackupType.Incr)];

    // backupSet: { schedule, type, servers, stores } — pgark serve runs backup_set on that schedule.
    private BackupSetOptions? ParseBackupSet(YamlMappingReader root, IReadOnlyList<ServerOptions> servers, IReadOnlyList<StoreOptions> stores)
    {
        if (root.Mapping("backupSet") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, "backupSet", s_backupSetKeys, [], _problems);
        var cron = Cron(reader, "schedule", TimeZoneInfo.Utc, required: true);
        var type = reader.Has("type") ? reader.Choice("type", s_setTypes) : Catalog.BackupType.Incr;
        // Absent or "all": every one; a list (possibly empty): those.
        var serverNames = reader.Has("servers") && reader.Quiet().Scalar("servers") != "all" ? NameList(reader, "servers", "server") : null;
        var storeNames = reader.Has("stores") && reader.Quiet().Scalar("stores") != "all" ? NameList(reader, "stores", "store") : null;
        for (var i = 0; serverNames is not null && i < serverNames.Count; i++)
        {
            if (servers.All(s => s.Name != serverNames[i]))
            {
                _problems.Add(ConfigProblems.Item(reader.ChildPath("servers"), i), $"server '{serverNames[i]}' is not configured");
            }
        }
        for (var i = 0; storeNames is not null && i < storeNames.Count; i++)
        {
            if (stores.All(s => s.Name != storeNames[i]))
            {
                _problems.Add(ConfigProblems.Item(reader.ChildPath("stores"), i), $"store '{storeNames[i]}' is not configured");
            }
        }
        return cron is null || type is null ? null : new BackupSetOptions(cron, type.Value, serverNames, storeNames);
    }

    private StoreKind? TypeOfStore(YamlMappingNode node, string path)
    {
        var probe = new YamlMappingReader(node, path, [.. s_storeCommonKeys, .. s_qdrantKeys, .. s_neo4jKeys], [], new ConfigProblems());
        if (!probe.Has("type"))
        {
            _problems.Add(ConfigProblems.Child(path, "type"), "required (qdrant or neo4j)");
            return null;
        }
        var text = probe.Scalar("type");
        var match = s_storeKinds.FirstOrDefault(k => k.Item1 == text);
        if (match.Item1 is null)
        {
            _problems.Add(ConfigProblems.Child(path, "type"), $"'{text}' is not a store type (qdrant or neo4j)");
            return null;
        }
        return match.Item2;
    }

    private string? StoreRepository(YamlMappingReader reader, IReadOnlyList<string> repositoryNames)
    {
        var name = reader.Scalar("repository");
        if (name is null)
        {
            if (repositoryNames.Count == 0)
            {
                _problems.Add(reader.ChildPath("repository"), "required: no repository is configured");
            }
            return repositoryNames.Count > 0 ? repositoryNames[0] : null;
        }
        if (!repositoryNames.Contains(name))
        {
            _problems.Add(reader.ChildPath("repository"),
                $"repository '{name}' is not configured (configured: {string.Join(", ", repositoryNames)})");
            return null;
        }
        return name;
    }

    private StoreRetentionOptions StoreRetention(YamlMappingReader reader)
    {
        if (reader.Mapping("retention") is not { } node)
        {
            return StoreRetentionOptions.KeepAll;
        }
        var r = new YamlMappingReader(node, reader.ChildPath("retention"), s_storeRetentionKeys, [], _problems);
        return new StoreRetentionOptions(r.PositiveInt("keep"), r.PositiveInt("days"));
    }

    private QdrantStoreOptions? Qdrant(YamlMappingReader reader, string? name, string? repository)
    {
        var url = StoreUrl(reader, "url", required: true);
        var apiKey = Secret(reader, "apiKey", required: false);
        var full = Flag(reader, "fullStorage") ?? false;
        var collections = NameList(reader, "collections", "collection");
        if (full && collections.Count > 0)
        {
            _problems.Add(reader.ChildPath("collections"), "a full-storage snapshot covers every collection: set either collections or fullStorage");
        }
        var timeout = reader.PositiveInt("timeoutSeconds") ?? 3600;
        return url is null ? null : new QdrantStoreOptions(name ?? "", repository ?? "", url, apiKey, collections, full) { TimeoutSeconds = timeout };
    }

    private Neo4jStoreOptions? Neo4j(YamlMappingReader reader, string? name, string? repository)
    {
        var databases = NameList(reader, "databases", "database");
        if (databases.Count == 0)
        {
            databases = ["neo4j"];
        }
        var command = reader.Scalar("adminCommand") ?? "neo4j-admin";
        if (command.Contains('/', StringComparison.Ordinal) && !Path.IsPathFullyQualified(command))
        {
            _problems.Add(reader.ChildPath("adminCommand"), $"'{command}' must be a command name on PATH or an absolute path");
        }
        var syntax = Neo4jAdminSyntax.V5;
        if (reader.Scalar("version") is { } version)
        {
            switch (version)
            {
                case "5":
                    break;
                case "4":
                    syntax = Neo4jAdminSyntax.V4;
                    break;
                default:
                    _problems.Add(reader.ChildPath("version"), $"'{version}' is not a supported neo4j-admin syntax (5 or 4)");
                    break;
            }
        }
        var home = reader.AbsolutePath("home");
        var config = reader.AbsolutePath("config");
        var httpUrl = StoreUrl(reader, "httpUrl", required: false);
        var password = Secret(reader, "password", required: false);
        if (password is not null && httpUrl is null)
        {
            _problems.Add(reader.ChildPath("httpUrl"), "required when a password is set (the password is for the HTTP API)");
        }
        var username = reader.Scalar("username") ?? "neo4j";
        var timeout = reader.PositiveInt("timeoutSeconds") ?? 6 * 3600;
        return new Neo4jStoreOptions(name ?? "", repository ?? "", databases, command, syntax, home, config, httpUrl, username, password)
        {
            TimeoutSeconds = timeout,
        };
    }

    private Uri? StoreUrl(YamlMappingReader reader, string key, bool required)
    {
        if (reader.Scalar(key, required) is not { } text)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.UserInfo))
        {
            _problems.Add(reader.ChildPath(key), "not an http:// or https:// URL without credentials (put secrets in apiKey/password keys)");
            return null;
        }
        return url;
    }

    // Reads without reporting: used to find out which shape a value has before reading it for real.
    private static YamlMappingReader Probe(YamlMappingReader reader) => reader.Quiet();

    private bool? Flag(YamlMappingReader reader, string key)
    {
        if (reader.Scalar(key) is not { } text)
        {
            return null;
        }
        if (!bool.TryParse(text, out var value))
        {
            _problems.Add(reader.ChildPath(key), $"'{text}' is not true or false");
            return null;
        }
        return value;
    }

    // A list of names, or the word "all" (= empty list: everything the store has).
    private List<string> NameList(YamlMappingReader reader, string key, string what)
    {
        var result = new List<string>();
        if (!reader.Has(key))
        {
            return result;
        }
        if (Probe(reader).Scalar(key) is { } word)
        {
            if (word != "all")
            {
                _problems.Add(reader.ChildPath(key), $"expected a list of {what} names or 'all' (got '{word}')");
            }
            return result;
        }
        if (reader.Sequence(key) is not { } list)
        {
            return result;
        }
        for (var i = 0; i < list.Children.Count; i++)
        {
            var text = (list.Children[i] as YamlScalarNode)?.Value;
            if (text is null || !IsValidName(text))
            {
                _problems.Add(ConfigProblems.Item(reader.ChildPath(key), i), $"expected a {what} name (1-63 letters, digits, '_' or '-')");
                continue;
            }
            if (result.Contains(text))
            {
                _problems.Add(ConfigProblems.Item(reader.ChildPath(key), i), $"{what} '{text}' is listed twice");
                continue;
            }
            result.Add(text);
        }
        return result;
    }
}
