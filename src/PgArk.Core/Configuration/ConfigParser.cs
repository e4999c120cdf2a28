using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>
/// Maps the YAML tree of <c>pgark.yaml</c> onto the options records, validating as it goes and collecting every
/// problem with its YAML path; resolves secrets from environment variables and files. docs/configuration.md
/// documents each key read here.
/// </summary>
internal sealed partial class ConfigParser(string sourcePath, Func<string, string?> getEnvironmentVariable)
{
    private static readonly string[] s_rootKeys = ["lockPath", "repositories", "servers", "api", "agents", "assistant", "notifications", "catalog", "exports", "restore", "stores", "backupSet"];
    private static readonly string[] s_rootReserved = [];
    private static readonly string[] s_apiKeys = ["urls", "keys", "allowedOrigins", "allowedHosts", "limits"];
    private static readonly string[] s_apiLimitKeys = ["runningJobs", "runningJobsPerKey", "concurrentMcpCalls", "maxParallelWorkers", "mcpSessions", "mcpSessionIdleMinutes"];
    private static readonly string[] s_apiKeyKeys = ["name", "sha256", "role"];
    private static readonly (string, OperationRole)[] s_roles =
        [("viewer", OperationRole.Viewer), ("operator", OperationRole.Operator), ("admin", OperationRole.Admin)];
    private static readonly string[] s_repositoryKeys = ["name", "type", "path", "compression", "compressionLevel", "retention", "encryption", .. S3Keys];
    private static readonly string[] s_repositoryReserved = [];
    private static readonly string[] s_retentionKeys = ["full", "diff", "archiveDays", "logicalDays", "daily", "weekly", "monthly", "logicalKeep"];
    private static readonly string[] s_serverKeys =
        ["name", "connection", "connectionEnv", "connectionFile", "passwordEnv", "pgdata", "pgBin", "pgVersion", "repositories", "verify", "schedule", "restore", "archive", "stream"];
    private static readonly string[] s_serverReserved = [];

    private static readonly (string, RepositoryType)[] s_repositoryTypes = [("posix", RepositoryType.Posix), ("s3", RepositoryType.S3)];
    private static readonly (string, CompressionType)[] s_compressionTypes =
        [("none", CompressionType.None), ("gzip", CompressionType.Gzip), ("zstd", CompressionType.Zstd), ("lz4", CompressionType.Lz4)];

    private const int MinimumPgVersion = 10;

    private readonly ConfigProblems _problems = new();

    /// <summary>Every file a secret was read from, with its YAML path (what <c>pgark check</c> looks at).</summary>
    private readonly List<SecretFile> _secretFiles = [];
    private bool _localOptional;

    public PgArkOptions Parse(string yamlText)
    {
        var node = Load(yamlText);
        if (node is not null and not YamlMappingNode)
        {
            _problems.Add("(root)", "expected a mapping with 'repositories' and 'servers'");
            _problems.ThrowIfAny(sourcePath);
        }

        var root = node as YamlMappingNode ?? new YamlMappingNode();
        var reader = new YamlMappingReader(root, "", s_rootKeys, s_rootReserved, _problems);
        var lockPath = reader.AbsolutePath("lockPath") ?? PgArkOptions.DefaultLockPath;
        var agents = ParseAgents(reader);
        // A supervisor that only routes to agents needs no local server or repository.
        _localOptional = agents.Count > 0;
        var repositoryNames = new List<string>();
        var repositories = ParseRepositories(reader, repositoryNames);
        var servers = ParseServers(reader, repositoryNames);
        var api = ParseApi(reader);
        var assistant = ParseAssistant(reader);
        var notifications = ParseNotifications(reader);
        var catalog = ParseCatalog(reader);
        var exports = ParseExports(reader);
        var restore = ParseRestore(reader);
        var stores = ParseStores(reader, repositoryNames);
        var backupSet = ParseBackupSet(reader, servers, stores);
        _problems.ThrowIfAny(sourcePath);
        return new PgArkOptions(sourcePath, repositories, servers, lockPath, api)
        {
            Agents = agents, Assistant = assistant, Notifications = notifications, Catalog = catalog, Exports = exports,
            Restore = restore ?? RestoreRootsOptions.None, Stores = stores, BackupSet = backupSet, SecretFiles = _secretFiles,
        };
    }

    private YamlNode? Load(string yamlText)
    {
        var scanner = new Scanner(new StringReader(yamlText));
        var stream = new YamlStream();
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException e)
        {
            throw Malformed(e.Start, e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet 16 fails this way on some inputs (e.g. an unclosed flow list); the scanner knows where.
            throw Malformed(scanner.CurrentPosition, "syntax error", e);
        }

        if (stream.Documents.Count > 1)
        {
            _problems.Add("(root)", $"expected a single YAML document, found {stream.Documents.Count}");
        }

        return stream.Documents.Count == 0 || YamlMappingReader.IsNull(stream.Documents[0].RootNode)
            ? null
            : stream.Documents[0].RootNode;
    }

    private ConfigurationException Malformed(Mark where, string problem, Exception inner) =>
        new($"invalid YAML in {sourcePath} at line {where.Line}, column {where.Column}: {problem}", innerException: inner);

    private List<RepositoryOptions> ParseRepositories(YamlMappingReader root, List<string> names)
    {
        var result = new List<RepositoryOptions>();
        var list = root.Sequence("repositories", required: !_localOptional);
        if (list is null)
        {
            return result;
        }

        if (list.Children.Count == 0 && !_localOptional)
        {
            _problems.Add("repositories", "at least one repository is required");
        }

        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item("repositories", i);
            if (list.Children[i] is not YamlMappingNode node)
            {
                _problems.Add(path, "expected a mapping");
                continue;
            }

            var reader = new YamlMappingReader(node, path, s_repositoryKeys, s_repositoryReserved, _problems);
            var name = Name(reader, seen, "repository");
            if (name is not null)
            {
                names.Add(name);
            }

            result.Add(ParseRepository(reader, name));
        }

        return result;
    }

    private static readonly string[] s_serverRestoreKeys = ["prefetch"];

    /// <summary><c>servers[].restore.prefetch</c>: segments archive-get fetches ahead during recovery (0 turns it off).</summary>
    private int RestorePrefetch(YamlMappingReader server)
    {
        if (server.Mapping("restore") is not { } node)
        {
            return ServerOptions.DefaultRestorePrefetch;
        }
        var reader = new YamlMappingReader(node, server.ChildPath("restore"), s_serverRestoreKeys, [], _problems);
        var prefetch = reader.Int("prefetch") ?? ServerOptions.DefaultRestorePrefetch;
        if (prefetch is < 0 or > 256)
        {
            _problems.Add(reader.ChildPath("prefetch"), $"must be 0 (off) to 256 segments (got {prefetch})");
        }
        return prefetch;
    }

    private static readonly string[] s_serverArchiveKeys = ["async", "spool", "processes", "timeout"];

    /// <summary><c>servers[].archive</c>: synchronous (absent) or asynchronous archiving with a spool.</summary>
    private ArchiveOptions? Archive(YamlMappingReader server, string? pgData)
    {
        if (server.Mapping("archive") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, server.ChildPath("archive"), s_serverArchiveKeys, [], _problems);
        var isAsync = false;
        if (reader.Scalar("async") is { } text)
        {
            if (text is "true" or "false")
            {
                isAsync = text == "true";
            }
            else
            {
                _problems.Add(reader.ChildPath("async"), $"must be true or false (got '{text}')");
            }
        }
        var spool = reader.AbsolutePath("spool") ?? Path.Combine(pgData ?? "/", ArchiveOptions.DefaultSpoolFolderName);
        var processes = reader.Int("processes") ?? ArchiveOptions.DefaultProcesses;
        if (processes is < 1 or > 32)
        {
            _problems.Add(reader.ChildPath("processes"), $"must be 1 to 32 (got {processes})");
        }
        var timeout = reader.Int("timeout") ?? (int)ArchiveOptions.DefaultTimeout.TotalSeconds;
        if (timeout is < 1 or > 86400)
        {
            _problems.Add(reader.ChildPath("timeout"), $"must be 1 to 86400 seconds (got {timeout})");
        }
        return new ArchiveOptions(isAsync, spool, processes, TimeSpan.FromSeconds(timeout));
    }

    private RepositoryOptions ParseRepository(YamlMappingReader reader, string? name)
    {
        var type = reader.Has("type") ? reader.Choice("type", s_repositoryTypes) : RepositoryType.Posix;
        var path = type == RepositoryType.Posix ? reader.AbsolutePath("path", required: true) : reader.Scalar("path");
        var compression = reader.Has("compression") ? reader.Choice("compression", s_compressionTypes) : CompressionType.Zstd;
        var level = reader.Int("compressionLevel");
        if (compression is { } known)
        {
            level = CompressionLevel(reader, known, level);
        }

        var retention = RetentionOptions.KeepAll;
        if (reader.Mapping("retention") is { } retentionNode)
        {
            var r = new YamlMappingReader(retentionNode, reader.ChildPath("retention"), s_retentionKeys, [], _problems);
            retention = new RetentionOptions(
                r.PositiveInt("full"), r.PositiveInt("diff"), r.PositiveInt("archiveDays"), r.PositiveInt("logicalDays"),
                r.PositiveInt("daily"), r.PositiveInt("weekly"), r.PositiveInt("monthly")) { LogicalKeep = r.PositiveInt("logicalKeep") };
        }

        var s3 = ParseS3(reader, type);

        // When a value is missing its problem is already recorded and these options are never returned.
        return new RepositoryOptions(
            name ?? "", type ?? RepositoryType.Posix, path ?? "", compression ?? CompressionType.None, level ?? 0, retention, s3)
        {
            Encryption = Encryption(reader),
        };
    }

    private int? CompressionLevel(YamlMappingReader reader, CompressionType compression, int? level)
    {
        var (name, defaultLevel, min, max) = compression switch
        {
            CompressionType.Gzip => ("gzip", 6, 1, 9),
            CompressionType.Zstd => ("zstd", 3, 1, 19),
            CompressionType.Lz4 => ("lz4", 1, 1, 12),
            _ => ("none", 0, 0, 0),
        };
        if (compression == CompressionType.None)
        {
            return 0;
        }

        if (level is null)
        {
            return defaultLevel;
        }

        if (level < min || level > max)
        {
            _problems.Add(reader.ChildPath("compressionLevel"), $"{level} is out of range for {name} ({min}-{max})");
            return null;
        }

        return level;
    }

    private List<ServerOptions> ParseServers(YamlMappingReader root, List<string> repositoryNames)
    {
        var result = new List<ServerOptions>();
        var list = root.Sequence("servers", required: !_localOptional);
        if (list is null)
        {
            return result;
        }

        if (list.Children.Count == 0 && !_localOptional)
        {
            _problems.Add("servers", "at least one server is required");
        }

        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item("servers", i);
            if (list.Children[i] is not YamlMappingNode node)
            {
                _problems.Add(path, "expected a mapping");
                continue;
            }

            var reader = new YamlMappingReader(node, path, s_serverKeys, s_serverReserved, _problems);
            var name = Name(reader, seen, "server");
            var connection = Connection(reader);
            var pgData = reader.AbsolutePath("pgdata", required: true);
            var pgBin = reader.AbsolutePath("pgBin");
            var pgVersion = reader.Int("pgVersion");
            if (pgVersion < MinimumPgVersion)
            {
                _problems.Add(
                    reader.ChildPath("pgVersion"), $"must be a PostgreSQL major version, {MinimumPgVersion} or later (got {pgVersion})");
            }

            var repositories = ServerRepositories(reader, repositoryNames);
            var verify = Verify(reader);
            result.Add(new ServerOptions(name ?? "", connection ?? "", pgData ?? "", repositories, pgBin, pgVersion, verify)
            {
                Schedule = Schedule(reader),
                RestorePrefetch = RestorePrefetch(reader),
                Archive = Archive(reader, pgData),
                Stream = Flag(reader, "stream") ?? false,
            });
        }

        return result;
    }

    private List<string> ServerRepositories(YamlMappingReader reader, List<string> configured)
    {
        var list = reader.Sequence("repositories");
        if (list is null)
        {
            // Default: the first repository. Checked only when the key is absent; a present-but-invalid value is already reported.
            return reader.Has("repositories") || configured.Count == 0 ? [] : [configured[0]];
        }

        var path = reader.ChildPath("repositories");
        if (list.Children.Count == 0)
        {
            _problems.Add(path, "must list at least one repository");
        }

        var result = new List<string>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            var itemPath = ConfigProblems.Item(path, i);
            if (list.Children[i] is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                _problems.Add(itemPath, "expected a repository name");
            }
            else if (!configured.Contains(name, StringComparer.Ordinal))
            {
                var names = configured.Count == 0 ? "none" : string.Join(", ", configured);
                _problems.Add(itemPath, $"unknown repository '{name}' (configured: {names})");
            }
            else if (result.Contains(name, StringComparer.Ordinal))
            {
                _problems.Add(itemPath, $"repository '{name}' is listed twice");
            }
            else
            {
                result.Add(name);
            }
        }

        return result;
    }

    private string? Name(YamlMappingReader reader, Dictionary<string, string> seen, string kind)
    {
        var name = reader.Scalar("name", required: true);
        if (name is null)
        {
            return null;
        }

        if (!IsValidName(name))
        {
            _problems.Add(reader.ChildPath("name"), $"'{name}' is not a valid name (use 1-63 letters, digits, '_' or '-')");
            return null;
        }

        // Case-insensitive: names become folder names, and some file systems fold case.
        if (seen.TryGetValue(name, out var first))
        {
            _problems.Add(reader.ChildPath("name"), $"duplicate {kind} name '{name}' (also {first})");
            return null;
        }

        seen[name] = reader.Path;
        return name;
    }

    private ApiOptions? ParseApi(YamlMappingReader root)
    {
        if (root.Mapping("api") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, "api", s_apiKeys, [], _problems);
        var urls = reader.Scalar("urls");
        // Kestrel takes a ';'-separated list: every entry is checked, not just the first.
        foreach (var url in urls?.Split(';', StringSplitOptions.TrimEntries) ?? [])
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                _problems.Add(reader.ChildPath("urls"), $"'{url}' is not an http:// or https:// URL");
            }
        }
        var keys = new List<ApiKeyOptions>();
        var list = reader.Sequence("keys");
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; list is not null && i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item(reader.ChildPath("keys"), i);
            if (list.Children[i] is not YamlMappingNode keyNode)
            {
                _problems.Add(path, "expected a mapping with name, sha256 and role");
                continue;
            }
            var keyReader = new YamlMappingReader(keyNode, path, s_apiKeyKeys, [], _problems);
            var name = Name(keyReader, seen, "key");
            var sha256 = keyReader.Scalar("sha256", required: true);
            if (sha256 is not null && (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit)))
            {
                _problems.Add(keyReader.ChildPath("sha256"), "expected 64 hexadecimal digits (the SHA-256 printed by 'pgark key create')");
                sha256 = null;
            }
            var role = keyReader.Has("role") ? keyReader.Choice("role", s_roles) : null;
            if (!keyReader.Has("role"))
            {
                _problems.Add(keyReader.ChildPath("role"), "required (viewer, operator or admin)");
            }
            if (name is not null && sha256 is not null && role is not null)
            {
                keys.Add(new ApiKeyOptions(name, sha256.ToLowerInvariant(), role.Value));
            }
        }
        return new ApiOptions(urls, keys) { AllowedOrigins = AllowedOrigins(reader), AllowedHosts = AllowedHosts(reader), Limits = ParseApiLimits(reader) };
    }

    private ApiLimits ParseApiLimits(YamlMappingReader api)
    {
        if (api.Mapping("limits") is not { } node)
        {
            return ApiLimits.Default;
        }
        var reader = new YamlMappingReader(node, api.ChildPath("limits"), s_apiLimitKeys, [], _problems);
        var defaults = ApiLimits.Default;
        return new ApiLimits(
            reader.PositiveInt("runningJobs") ?? defaults.RunningJobs,
            reader.PositiveInt("runningJobsPerKey") ?? defaults.RunningJobsPerKey,
            reader.PositiveInt("concurrentMcpCalls") ?? defaults.ConcurrentMcpCalls,
            reader.PositiveInt("maxParallelWorkers") ?? defaults.MaxParallelWorkers,
            reader.PositiveInt("mcpSessions") ?? defaults.McpSessions,
            reader.PositiveInt("mcpSessionIdleMinutes") ?? defaults.McpSessionIdleMinutes);
    }

    internal static bool IsValidName(string name) =>
        name.Length is >= 1 and <= 63 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
