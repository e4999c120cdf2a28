using PgArk.Core.Codecs;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;

using static PgArk.Tests.Configuration.ConfigText;

namespace PgArk.Tests.Configuration;

public class ConfigParseTests
{

    private const string Minimal = """
        repositories:
          - name: local
            path: /var/lib/pgark/repo
        servers:
          - name: pg1
            connection: "Host=/var/run/postgresql;Username=postgres"
            pgdata: /var/lib/postgresql/15/main
        """;

    [Fact]
    public void Parse_FullFile_MapsEveryKey()
    {
        var options = Parse("""
            lockPath: /run/pgark
            repositories:
              - name: local
                type: posix
                path: /var/lib/pgark/repo
                compression: lz4
                compressionLevel: 9
                retention: { full: 4, diff: 3, archiveDays: 14, logicalDays: 30 }
              - name: archive-2
                type: POSIX
                path: /mnt/archive
                compression: none
                compressionLevel: 5
            servers:
              - name: pg1
                connection: "Host=/var/run/postgresql;Port=5432;Username=postgres"
                pgdata: /var/lib/postgresql/15/main
                pgBin: /usr/lib/postgresql/15/bin
                pgVersion: 15
                repositories: [archive-2, local]
              - name: pg_2
                connectionEnv: PG2_CONNECTION
                passwordEnv: PG2_PASSWORD
                pgdata: /srv/pg2
            """,
            new Dictionary<string, string>
            {
                ["PG2_CONNECTION"] = "  Host=db2;Username=backup  ",
                ["PG2_PASSWORD"] = "s3cret",
            });

        Assert.Equal(Source, options.SourcePath);
        Assert.Equal("/run/pgark", options.LockPath);
        Assert.Equal(
            new RepositoryOptions(
                "local", RepositoryType.Posix, "/var/lib/pgark/repo", CompressionType.Lz4, 9, new RetentionOptions(4, 3, 14, 30)),
            options.Repositories[0]);
        Assert.Equal(
            new RepositoryOptions("archive-2", RepositoryType.Posix, "/mnt/archive", CompressionType.None, 0, RetentionOptions.KeepAll),
            options.Repositories[1]);

        var pg1 = options.GetServer("pg1");
        Assert.Equal("Host=/var/run/postgresql;Port=5432;Username=postgres", pg1.Connection);
        Assert.Equal("/var/lib/postgresql/15/main", pg1.PgData);
        Assert.Equal("/usr/lib/postgresql/15/bin", pg1.PgBin);
        Assert.Equal(15, pg1.PgVersion);
        Assert.Equal(["archive-2", "local"], pg1.Repositories);

        var pg2 = options.GetServer("pg_2");
        Assert.Equal("Host=db2;Username=backup;Password=s3cret", pg2.Connection);
        Assert.Equal(["local"], pg2.Repositories);
        Assert.Null(pg2.PgBin);
        Assert.Null(pg2.PgVersion);
    }

    [Fact]
    public void Parse_MinimalFile_AppliesDefaults()
    {
        var options = Parse(Minimal);

        Assert.Equal("/tmp/pgark", options.LockPath);
        var repository = Assert.Single(options.Repositories);
        Assert.Equal(RepositoryType.Posix, repository.Type);
        Assert.Equal(CompressionType.Zstd, repository.Compression);
        Assert.Equal(3, repository.CompressionLevel);
        Assert.Equal(new RetentionOptions(null, null, null, null), repository.Retention);
        var server = Assert.Single(options.Servers);
        Assert.Equal(["local"], server.Repositories);
    }

    [Theory]
    [InlineData("gzip", 6)]
    [InlineData("zstd", 3)]
    [InlineData("lz4", 1)]
    [InlineData("none", 0)]
    public void Parse_CompressionWithoutLevel_UsesCodecDefault(string compression, int expected)
    {
        var yaml = Minimal.Replace("path: /var/lib/pgark/repo", $"path: /r\n    compression: {compression}", StringComparison.Ordinal);

        Assert.Equal(expected, Parse(yaml).Repositories[0].CompressionLevel);
    }

    [Fact]
    public void Parse_DefaultServerRepositories_IsTheFirstRepository()
    {
        var options = Parse("""
            repositories:
              - { name: first, path: /r1 }
              - { name: second, path: /r2 }
            servers:
              - { name: pg1, connection: "Host=h", pgdata: /d }
            """);

        Assert.Equal(["first"], options.Servers[0].Repositories);
    }

    [Fact]
    public void Parse_MissingPgdata_ReportsPath()
    {
        var message = ParseError("""
            repositories: [{ name: local, path: /r }]
            servers:
              - { name: pg1, connection: "Host=h", pgdata: /d }
              - { name: pg2, connection: "Host=h" }
            """);

        Assert.Equal(Invalid("servers[1].pgdata: required"), message);
    }

    [Fact]
    public void Parse_UnknownRepositoryReference_ListsConfiguredNames()
    {
        var message = ParseError(Minimal + "\n    repositories: [remote]");

        Assert.Equal(Invalid("servers[0].repositories[0]: unknown repository 'remote' (configured: local)"), message);
    }

    [Fact]
    public void Parse_MisspelledCompression_ListsChoices()
    {
        var message = ParseError(Minimal.Replace("path: /var/lib/pgark/repo", "path: /r\n    compression: zsdt", StringComparison.Ordinal));

        Assert.Equal(Invalid("repositories[0].compression: 'zsdt' is not one of none, gzip, zstd, lz4"), message);
    }

    [Fact]
    public void Parse_ManyProblems_ReportsAllInOneMessage()
    {
        var message = ParseError("""
            lockPath: relative/locks
            repositories:
              - name: local
                type: ftp
                compression: zstd
                compressionLevel: 25
                retention: { full: 0, diff: many }
              - name: local
                path: /r2
              - just-a-string
            servers:
              - name: "bad name"
                connection: "Host=h"
                connectionEnv: PG_CONN
                pgdata: data
                pgVersion: 9
                repositories: [local, local, nope, [x]]
              - name: pg2
                connectionEnv: PG2_CONNECTION
                connectionFile: /run/secrets/pg2
                passwordEnv: PG2_PASSWORD
                pgdata: /d
                repositories: []
            """);

        Assert.Equal(
            Invalid(
                "lockPath: 'relative/locks' is not an absolute path",
                "repositories[0].type: 'ftp' is not one of posix, s3",
                "repositories[0].compressionLevel: 25 is out of range for zstd (1-19)",
                "repositories[0].retention.full: must be a positive integer (got 0)",
                "repositories[0].retention.diff: 'many' is not an integer",
                "repositories[1].name: duplicate repository name 'local' (also repositories[0])",
                "repositories[2]: expected a mapping",
                "servers[0].name: 'bad name' is not a valid name (use 1-63 letters, digits, '_' or '-')",
                "servers[0].connectionEnv: conflicts with 'connection' (set only one of connection, connectionEnv, connectionFile)",
                "servers[0].pgdata: 'data' is not an absolute path",
                "servers[0].pgVersion: must be a PostgreSQL major version, 10 or later (got 9)",
                "servers[0].repositories[1]: repository 'local' is listed twice",
                "servers[0].repositories[2]: unknown repository 'nope' (configured: local)",
                "servers[0].repositories[3]: expected a repository name",
                "servers[1].connectionFile: conflicts with 'connectionEnv' (set only one of connection, connectionEnv, connectionFile)",
                "servers[1].repositories: must list at least one repository"),
            message);
    }

    [Fact]
    public void Parse_EmptyFile_RequiresRepositoriesAndServers()
    {
        Assert.Equal(Invalid("repositories: required", "servers: required"), ParseError(""));
        Assert.Equal(Invalid("repositories: required", "servers: required"), ParseError("# nothing yet\n"));
    }

    [Fact]
    public void Parse_EmptyLists_RequireAtLeastOneEntry()
    {
        var message = ParseError("repositories: []\nservers: []\n");

        Assert.Equal(Invalid("repositories: at least one repository is required", "servers: at least one server is required"), message);
    }

    [Fact]
    public void Parse_WrongShapes_AreReported()
    {
        Assert.Equal(
            Invalid("(root): expected a mapping with 'repositories' and 'servers'"),
            ParseError("- just\n- a list\n"));
        Assert.Equal(
            Invalid("repositories: expected a list", "servers[0].name: expected a single value"),
            ParseError("""
                repositories: { name: local }
                servers:
                  - { name: [a, b], connection: "Host=h", pgdata: /d }
                """));
    }

    [Fact]
    public void Parse_UnknownKey_SuggestsClosestKnownKey()
    {
        var message = ParseError("""
            repositories: [{ name: local, path: /r, compresion: gzip }]
            servers:
              - name: pg1
                connection: "Host=h"
                pgdta: /d
                PgData: /d
            """);

        Assert.Equal(
            Invalid(
                "repositories[0].compresion: unknown key (did you mean 'compression'?)",
                "servers[0].pgdta: unknown key (did you mean 'pgdata'?)",
                "servers[0].PgData: unknown key (did you mean 'pgdata'?)",
                "servers[0].pgdata: required"),
            message);
    }

    [Fact]
    public void Parse_UnknownKeyFarFromAnyKnownKey_ListsKnownKeys()
    {
        var message = ParseError(Minimal + "\nwhatever: 1\n");

        Assert.Equal(Invalid("whatever: unknown key (known keys: lockPath, repositories, servers, api, agents, assistant, notifications, catalog, exports, restore, stores, backupSet)"), message);
    }

    [Fact]
    public void Parse_Api_MapsUrlsAndKeys()
    {
        var options = Parse(Minimal + $$"""

            api:
              urls: http://127.0.0.1:9000
              keys:
                - { name: ops, sha256: "{{new string('A', 64)}}", role: operator }
                - { name: ro, sha256: "{{new string('b', 64)}}", role: viewer }
            """);

        Assert.Equal("http://127.0.0.1:9000", options.Api!.Urls);
        Assert.Equal(
            [new ApiKeyOptions("ops", new string('a', 64), PgArk.Core.Configuration.OperationRole.Operator),
             new ApiKeyOptions("ro", new string('b', 64), PgArk.Core.Configuration.OperationRole.Viewer)],
            options.Api.Keys);
    }

    [Fact]
    public void Parse_NoApi_IsNull()
    {
        Assert.Null(Parse(Minimal).Api);
    }

    [Fact]
    public void Parse_BadApi_ReportsEveryProblemWithItsPath()
    {
        var message = ParseError(Minimal + $$"""

            api:
              urls: ftp://host
              port: 8001
              keys:
                - { name: ops, sha256: "abc", role: operator }
                - { name: ops, sha256: "{{new string('a', 64)}}", role: root }
                - { sha256: "{{new string('a', 64)}}" }
                - just-a-string
            """);

        Assert.Equal(Invalid(
            "api.port: unknown key (known keys: urls, keys, allowedOrigins, allowedHosts, limits)",
            "api.urls: 'ftp://host' is not an http:// or https:// URL",
            "api.keys[0].sha256: expected 64 hexadecimal digits (the SHA-256 printed by 'pgark key create')",
            "api.keys[1].name: duplicate key name 'ops' (also api.keys[0])",
            "api.keys[1].role: 'root' is not one of viewer, operator, admin",
            "api.keys[2].name: required",
            "api.keys[2].role: required (viewer, operator or admin)",
            "api.keys[3]: expected a mapping with name, sha256 and role"), message);
    }

    [Fact]
    public void Parse_ApiLimits_DefaultsAndGivenValues_BadOnesReported()
    {
        Assert.Equal(ApiLimits.Default, Parse(Minimal + "\napi:\n  urls: http://127.0.0.1:8001\n").Api!.Limits);
        Assert.Equal(new ApiLimits(RunningJobs: 3, RunningJobsPerKey: 1, ConcurrentMcpCalls: 8, MaxParallelWorkers: 2),
            Parse(Minimal + "\napi:\n  limits: { runningJobs: 3, runningJobsPerKey: 1, maxParallelWorkers: 2 }\n").Api!.Limits);
        Assert.Equal(new ApiLimits(McpSessions: 4, McpSessionIdleMinutes: 5),
            Parse(Minimal + "\napi:\n  limits: { mcpSessions: 4, mcpSessionIdleMinutes: 5 }\n").Api!.Limits);

        var message = ParseError(Minimal + "\napi:\n  limits: { runningJobs: 0, queue: 5, mcpSessions: 0 }\n");
        Assert.Contains("api.limits.queue: unknown key (known keys: runningJobs, runningJobsPerKey, concurrentMcpCalls, maxParallelWorkers, mcpSessions, mcpSessionIdleMinutes)", message, StringComparison.Ordinal);
        Assert.Contains("api.limits.runningJobs:", message, StringComparison.Ordinal);
        Assert.Contains("api.limits.mcpSessions:", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("repositories: [1,\nservers: 2\n", 2, 1)]
    [InlineData("repositories:\n  - name: a\n   path: /r\n", 3, 4)]
    [InlineData("servers: 'unterminated\n", 1, 10)]
    [InlineData("servers: 1\nservers: 2\n", 2, 1)]
    public void Parse_MalformedYaml_ReportsFileLineAndColumn(string yaml, int line, int column)
    {
        var message = ParseError(yaml);

        Assert.StartsWith($"invalid YAML in {Source} at line {line}, column {column}: ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKey_MessageIsExact()
    {
        Assert.Equal($"invalid YAML in {Source} at line 2, column 1: Duplicate key servers", ParseError("servers: 1\nservers: 2\n"));
    }

    [Fact]
    public void Parse_NoConnection_Required()
    {
        var message = ParseError(
            Minimal.Replace("connection: \"Host=/var/run/postgresql;Username=postgres\"", "pgBin: /usr/bin", StringComparison.Ordinal));

        Assert.Equal(Invalid("servers[0].connection: required (or set connectionEnv or connectionFile)"), message);
    }

    [Fact]
    public void Parse_ConnectionEnvMissing_NamesTheVariable()
    {
        var message = ParseError("""
            repositories: [{ name: local, path: /r }]
            servers:
              - { name: pg1, connectionEnv: PG1_CONNECTION, pgdata: /d }
              - { name: pg2, connectionEnv: PG2_CONNECTION, pgdata: /d }
            """,
            new Dictionary<string, string> { ["PG2_CONNECTION"] = "   " });

        Assert.Equal(
            Invalid(
                "servers[0].connectionEnv: environment variable 'PG1_CONNECTION' is not set or is empty",
                "servers[1].connectionEnv: environment variable 'PG2_CONNECTION' is not set or is empty"),
            message);
    }

    [Fact]
    public void Parse_ConnectionFile_IsReadAndTrimmed()
    {
        using var temp = new TempFolder();
        var file = temp.Write("pg1", "\n Host=db1;Username=backup;Password=from-file \n");

        var options = Parse(Minimal.Replace(
            "connection: \"Host=/var/run/postgresql;Username=postgres\"", $"connectionFile: {file}", StringComparison.Ordinal));

        Assert.Equal("Host=db1;Username=backup;Password=from-file", options.Servers[0].Connection);
    }

    [Fact]
    public void Parse_ConnectionFileProblems_NameTheFileNotTheContent()
    {
        using var temp = new TempFolder();
        var empty = temp.Write("empty", " \n");
        var missing = Path.Combine(temp.Path, "missing");

        var message = ParseError($"""
            repositories: [{"{"} name: local, path: /r {"}"}]
            servers:
              - {"{"} name: a, connectionFile: {missing}, pgdata: /d {"}"}
              - {"{"} name: b, connectionFile: {empty}, pgdata: /d {"}"}
              - {"{"} name: c, connectionFile: secrets/pg, pgdata: /d {"}"}
            """);

        Assert.Equal(
            Invalid(
                $"servers[0].connectionFile: file '{missing}' does not exist",
                $"servers[1].connectionFile: file '{empty}' is empty",
                "servers[2].connectionFile: 'secrets/pg' is not an absolute path"),
            message);
    }

    [Fact]
    public void Parse_PasswordEnv_ProblemsNeverShowSecrets()
    {
        var message = ParseError("""
            repositories: [{ name: local, path: /r }]
            servers:
              - { name: a, connection: "Host=h;Password=hunter2", passwordEnv: A_PASSWORD, pgdata: /d }
              - { name: b, connection: "Host=h", passwordEnv: B_PASSWORD, pgdata: /d }
              - { name: c, connection: "Host=h;Pasword=hunter3", pgdata: /d }
              - { name: d, connection: "Host=h;hunter4", pgdata: /d }
            """,
            new Dictionary<string, string> { ["A_PASSWORD"] = "hunter1" });

        Assert.Equal(
            Invalid(
                "servers[0].passwordEnv: the connection value already sets a Password; keep only one of them",
                "servers[1].passwordEnv: environment variable 'B_PASSWORD' is not set or is empty",
                "servers[2].connection: not a valid connection string: unknown keyword or invalid value for 'pasword'",
                "servers[3].connection: not a valid connection string (expected Key=Value pairs separated by ';')"),
            message);
        Assert.DoesNotContain("hunter", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PasswordWithSemicolon_IsQuotedInConnection()
    {
        var options = Parse(
            Minimal.Replace("pgdata:", "passwordEnv: PG1_PASSWORD\n    pgdata:", StringComparison.Ordinal),
            new Dictionary<string, string> { ["PG1_PASSWORD"] = "a;b" });

        Assert.Equal("Host=/var/run/postgresql;Username=postgres;Password=\"a;b\"", options.Servers[0].Connection);
    }

    [Fact]
    public void Parse_NamesDifferingOnlyInCase_AreDuplicates()
    {
        var message = ParseError("""
            repositories: [{ name: local, path: /r }]
            servers:
              - { name: pg1, connection: "Host=h", pgdata: /d }
              - { name: PG1, connection: "Host=h", pgdata: /d }
            """);

        Assert.Equal(Invalid("servers[1].name: duplicate server name 'PG1' (also servers[0])"), message);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("pg-1_B", true)]
    [InlineData("", false)]
    [InlineData("pg.1", false)]
    [InlineData("pg/1", false)]
    [InlineData("é", false)]
    public void IsValidName_FollowsPattern(string name, bool valid)
    {
        Assert.Equal(valid, ConfigParser.IsValidName(name));
        Assert.True(ConfigParser.IsValidName(new string('x', 63)));
        Assert.False(ConfigParser.IsValidName(new string('x', 64)));
    }

    [Fact]
    public void GetServer_Unknown_ThrowsNotFoundWithConfiguredNames()
    {
        var options = Parse(Minimal);

        var e = Assert.Throws<NotFoundException>(() => options.GetServer("pg9"));
        Assert.Equal($"server 'pg9' is not configured in {Source}", e.Message);
        Assert.Equal("configured servers: pg1", e.Hint);
        Assert.Equal(3, e.ExitCode);
    }

    [Fact]
    public void GetRepository_Unknown_ThrowsNotFoundWithConfiguredNames()
    {
        var options = Parse(Minimal);

        Assert.Same(options.Repositories[0], options.GetRepository("local"));
        var e = Assert.Throws<NotFoundException>(() => options.GetRepository("remote"));
        Assert.Equal($"repository 'remote' is not configured in {Source}", e.Message);
        Assert.Equal("configured repositories: local", e.Hint);
    }

    [Fact]
    public void Parse_ExportsAndLogicalKeep_AreRead()
    {
        var options = Parse(Minimal.Replace("    path: /var/lib/pgark/repo", "    path: /var/lib/pgark/repo\n    retention: { logicalKeep: 7, logicalDays: 30 }",
            StringComparison.Ordinal) + "\nexports:\n  path: /var/lib/pgark/exports\n");
        Assert.Equal("/var/lib/pgark/exports", options.Exports?.Path);
        Assert.Equal(7, options.Repositories[0].Retention.LogicalKeep);
        Assert.Equal(30, options.Repositories[0].Retention.LogicalDays);
        Assert.Null(Parse(Minimal).Exports);
        Assert.Equal(Invalid("exports.path: 'rel' is not an absolute path"), ParseError(Minimal + "\nexports:\n  path: rel\n"));
    }
}
