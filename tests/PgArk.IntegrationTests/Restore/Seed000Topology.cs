using Microsoft.AspNetCore.Builder;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;
using PgArk.Server.Api;
using PgArk.Server.Auth;

namespace PgArk.IntegrationTests.Restore;

/// <summary>
/// Seed 000's two servers for real: pg1 (customer_db, inventory_db, analytics_db) and pg2 (hr_db, finance_db, reporting_db),
/// each archiving through the real pgark executable into its own posix repository, loaded from scripts/seed000/*.sql, with
/// one full backup each, and <c>pgark serve</c>'s host running in-process for both (an admin key).
/// </summary>
public sealed class Seed000Topology : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string[]> Databases = new Dictionary<string, string[]>
    {
        ["pg1"] = ["customer_db", "inventory_db", "analytics_db"],
        ["pg2"] = ["hr_db", "finance_db", "reporting_db"],
    };

    /// <summary>customer_db is owned by a role of its own, with its own privileges and settings: a restore must keep them.</summary>
    private const string CustomerOwnershipSetup = """
        CREATE ROLE crm_owner;
        CREATE ROLE crm_reader;
        ALTER DATABASE customer_db OWNER TO crm_owner;
        REVOKE ALL ON DATABASE customer_db FROM PUBLIC;
        GRANT CONNECT ON DATABASE customer_db TO crm_reader;
        ALTER DATABASE customer_db SET search_path = "$user", public;
        ALTER DATABASE customer_db SET work_mem = '8MB';
        ALTER TABLE customers OWNER TO crm_owner;
        """;

    public const string OwnershipQuery = """
        SELECT format('%s %s %s %s', pg_get_userbyid(d.datdba), d.datacl::text,
            (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setdatabase = d.oid)::text,
            (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.customers'::regclass))
        FROM pg_database d WHERE d.datname = current_database()
        """;

    private readonly Dictionary<string, TestCluster> _clusters = [];
    private TempFolder? _folder;
    private WebApplication? _app;

    public string ConfigPath { get; private set; } = "";
    public TempFolder Folder => _folder!;
    public TestCluster Pg1 => _clusters["pg1"];
    public TestCluster Pg2 => _clusters["pg2"];
    public string AdminKey { get; } = ApiKeys.Create().Key;
    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(SelfCommand.ExecutableVariable, PgArkHarness.Executable);
        _folder = await TempFolder.CreateAsync(ownedByPostgres: true, CancellationToken.None);
        ConfigPath = _folder.Combine("pgark.yaml");
        var yaml = new System.Text.StringBuilder($"lockPath: {_folder.Combine("locks")}\nrepositories:\n");
        foreach (var server in Databases.Keys)
        {
            var repository = _folder.Combine($"repo-{server}");
            Directory.CreateDirectory(repository);
            await Posix.ChownToPostgresAsync(repository, recursive: false, CancellationToken.None);
            yaml.Append($"  - {{ name: {server}-repo, type: posix, path: {repository}, compression: zstd }}\n");
        }
        yaml.Append("servers:\n");
        foreach (var server in Databases.Keys)
        {
            var archive = $"{SelfCommand.ShellQuote(PgArkHarness.Executable)} --config {SelfCommand.ShellQuote(ConfigPath)} archive-push --server {server} %p";
            var cluster = await TestCluster.CreateAsync(new TestClusterOptions
            {
                ArchiveMode = "on",
                ArchiveCommand = archive,
                Settings = new Dictionary<string, string> { ["wal_level"] = "replica" },
            }, CancellationToken.None);
            _clusters[server] = cluster;
            yaml.Append($"  - name: {server}\n    connection: \"{cluster.ConnectionString()}\"\n    pgdata: {cluster.DataDirectory}\n    repositories: [{server}-repo]\n");
        }
        yaml.Append($"api:\n  keys:\n    - {{ name: root, sha256: \"{ApiKeys.Hash(AdminKey)}\", role: admin }}\n");
        await File.WriteAllTextAsync(ConfigPath, yaml.ToString());
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        foreach (var (server, databases) in Databases)
        {
            foreach (var database in databases)
            {
                await _clusters[server].CreateDatabaseAsync(database);
                await _clusters[server].ExecuteAsync(await File.ReadAllTextAsync(SeedScript(database)), database);
            }
            if (server == "pg1")
            {
                await _clusters[server].ExecuteAsync(CustomerOwnershipSetup, "customer_db");
            }
            var init = await RunAsync("init", "--server", server);
            Assert.True(init.ExitCode == 0, init.ToString());
            var backup = await RunAsync("backup", "--server", server, "--type", "full");
            Assert.True(backup.ExitCode == 0, backup.ToString());
        }

        _app = ApiHost.Build(new ApiHostOptions(new OperationContext(ConfigLoader.Load(ConfigPath)), "http://127.0.0.1:0"));
        await _app.StartAsync();
        BaseAddress = ApiHost.ListeningAddress(_app);
    }

    public Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(["--config", ConfigPath, .. args]);

    /// <summary>Starts pgark with this topology's configuration as a child process (so a test can kill it).</summary>
    public System.Diagnostics.Process StartProcess(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(PgArkHarness.Executable)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in (string[])["--config", ConfigPath, .. args])
        {
            info.ArgumentList.Add(arg);
        }
        return System.Diagnostics.Process.Start(info)!;
    }

    public HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    /// <summary>The server's current time, in the ISO form the CLI takes: a target between two committed changes.</summary>
    public static async Task<string> NowAsync(TestCluster cluster) =>
        (await cluster.ScalarAsync<string>("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"))!;

    public static async Task<IReadOnlyList<string>> DatabaseNamesAsync(TestCluster cluster) =>
        (await cluster.ScalarAsync<string[]>("SELECT array_agg(datname::text ORDER BY datname) FROM pg_database WHERE NOT datistemplate"))!;

    /// <summary>scripts/seed000/&lt;database&gt;.sql in the repository this test runs from.</summary>
    public static string SeedScript(string database)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PgArk.sln")))
            {
                return Path.Combine(folder.FullName, "scripts", "seed000", $"{database}.sql");
            }
        }
        throw new InvalidOperationException($"cannot find the repository root above {AppContext.BaseDirectory}");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        foreach (var cluster in _clusters.Values)
        {
            await cluster.DisposeAsync();
        }
        _folder?.Dispose();
    }
}
