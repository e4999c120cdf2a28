using System.Diagnostics;
using PgArk.Core.Common;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Harness;

/// <summary>
/// A real cluster archiving through the real pgark executable into a posix repository, plus a way to run pgark
/// commands in-process (as the CLI would) or as a child process (for kill -9 tests).
/// </summary>
public sealed class PgArkHarness : IAsyncDisposable
{
    public const string Server = "pg1";

    private PgArkHarness(TempFolder folder, TestCluster cluster, string configPath, string repositoryPath)
    {
        Folder = folder;
        Cluster = cluster;
        ConfigPath = configPath;
        RepositoryPath = repositoryPath;
    }

    public TempFolder Folder { get; }
    public TestCluster Cluster { get; }
    public string ConfigPath { get; }
    public string RepositoryPath { get; }

    /// <summary>
    /// The pgark executable PostgreSQL calls from archive_command and restore_command: $PGARK_BINARY (scripts/test.sh sets
    /// it to the ReadyToRun build), else the CLI project's own build output for this configuration. The copy in the
    /// test output folder is not runnable on its own (it would pick up the test host's runtime configuration).
    /// </summary>
    public static string Executable => s_executable.Value;

    private static readonly Lazy<string> s_executable = new(() =>
    {
        if (Environment.GetEnvironmentVariable("PGARK_BINARY") is { Length: > 0 } fromEnv)
        {
            return File.Exists(fromEnv) ? fromEnv : throw new InvalidOperationException($"PGARK_BINARY '{fromEnv}' does not exist");
        }
        var baseDirectory = AppContext.BaseDirectory;
        var configuration = baseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var folder = new DirectoryInfo(baseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PgArk.sln")))
            {
                var path = Path.Combine(folder.FullName, "src", "PgArk.Cli", "bin", configuration, "net10.0", "pgark");
                return File.Exists(path) ? path : throw new InvalidOperationException($"pgark executable not found at {path}: build the solution first");
            }
        }
        throw new InvalidOperationException($"cannot find the repository root above {baseDirectory}");
    });

    /// <summary>Folder of a repository created with <c>extraRepositories</c> (the first one, "local", is <see cref="RepositoryPath"/>).</summary>
    public string RepositoryPathOf(string name) => name == "local" ? RepositoryPath : Folder.Combine($"repo-{name}");

    /// <summary>The passphrase of an encrypted harness (in a file only postgres and root can read), else null.</summary>
    public string? Passphrase { get; private set; }

    /// <param name="repositoryYaml">
    /// The repository's keys after its name (4-space indented YAML lines), given the harness folder; null for a posix
    /// repository in <c>repo/</c> of that folder. Not combined with the posix-only options below.
    /// </param>
    /// <param name="encrypted">Encrypt every posix repository with a random passphrase from a file (see <see cref="Passphrase"/>).</param>
    /// <param name="extraRepositories">Names of further posix repositories the server also uses, after "local".</param>
    /// <param name="repositoryKeys">Extra YAML keys for every posix repository (e.g. "retention: { full: 1 }").</param>
    /// <param name="dataChecksums"><c>initdb --data-checksums</c> (off by default, like plain initdb).</param>
    public static async Task<PgArkHarness> CreateAsync(string compression = "zstd", IReadOnlyDictionary<string, string>? settings = null,
        Func<TempFolder, CancellationToken, Task<string>>? repositoryYaml = null, CancellationToken cancellationToken = default,
        bool encrypted = false, IReadOnlyList<string>? extraRepositories = null, string? repositoryKeys = null, bool dataChecksums = false)
    {
        // In-process runs would otherwise write the test host's path into restore_command.
        Environment.SetEnvironmentVariable(SelfCommand.ExecutableVariable, Executable);
        var folder = await TempFolder.CreateAsync(ownedByPostgres: true, cancellationToken);
        var repository = folder.Combine("repo");
        Directory.CreateDirectory(repository);
        await Posix.ChownToPostgresAsync(repository, recursive: false, cancellationToken);
        var configPath = folder.Combine("pgark.yaml");
        var archiveCommand = $"{SelfCommand.ShellQuote(Executable)} --config {SelfCommand.ShellQuote(configPath)} archive-push --server {Server} %p";
        var clusterSettings = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["wal_level"] = "replica",
        };
        var cluster = await TestCluster.CreateAsync(new TestClusterOptions
        {
            ArchiveMode = "on",
            ArchiveCommand = archiveCommand,
            Settings = clusterSettings,
            DataChecksums = dataChecksums,
        }, cancellationToken);
        var primaryKeys = repositoryYaml is null
            ? $"    type: posix\n    path: {repository}\n"
            : await repositoryYaml(folder, cancellationToken);
        await File.WriteAllTextAsync(configPath, $"""
            lockPath: {folder.Combine("locks")}
            repositories:
              - name: local
            {primaryKeys.TrimEnd('\n')}
                compression: {compression}
            servers:
              - name: {Server}
                connection: "{cluster.ConnectionString()}"
                pgdata: {cluster.DataDirectory}
                repositories: [local]

            """, cancellationToken);
        File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var harness = new PgArkHarness(folder, cluster, configPath, repository);
        if (encrypted || extraRepositories is { Count: > 0 } || repositoryKeys is not null)
        {
            if (repositoryYaml is not null)
            {
                throw new ArgumentException("encrypted, extraRepositories and repositoryKeys describe posix repositories only", nameof(repositoryYaml));
            }
            await harness.WriteRepositoriesAsync(compression, encrypted, extraRepositories ?? [], repositoryKeys, cancellationToken);
        }
        var init = await harness.RunAsync("init", "--server", Server);
        Assert.True(init.ExitCode == 0, init.ToString());
        return harness;
    }

    private async Task WriteRepositoriesAsync(string compression, bool encrypted, IReadOnlyList<string> extraRepositories, string? repositoryYaml,
        CancellationToken cancellationToken)
    {
        var extra = new List<string>();
        if (encrypted)
        {
            Passphrase = $"pass-{Guid.NewGuid():N}";
            await WritePassphraseFileAsync("passphrase", Passphrase, cancellationToken);
            extra.Add($"encryption: {{ passphraseFile: {Folder.Combine("passphrase")}, iterations: 100000 }}");
        }
        if (repositoryYaml is not null)
        {
            extra.Add(repositoryYaml);
        }
        var names = new List<string> { "local" };
        foreach (var name in extraRepositories)
        {
            Directory.CreateDirectory(RepositoryPathOf(name));
            await Posix.ChownToPostgresAsync(RepositoryPathOf(name), recursive: false, cancellationToken);
            names.Add(name);
        }
        var repositories = new System.Text.StringBuilder();
        foreach (var name in names)
        {
            repositories.Append($"  - name: {name}\n    type: posix\n    path: {RepositoryPathOf(name)}\n    compression: {compression}\n");
            foreach (var line in extra)
            {
                repositories.Append($"    {line}\n");
            }
        }
        await File.WriteAllTextAsync(ConfigPath, $"""
            lockPath: {Folder.Combine("locks")}
            repositories:
            {repositories}servers:
              - name: {Server}
                connection: "{Cluster.ConnectionString()}"
                pgdata: {Cluster.DataDirectory}
                repositories: [{string.Join(", ", names)}]

            """, cancellationToken);
    }

    /// <summary>Writes a secret file that root and the postgres user (who runs archive_command) can read, nobody else.</summary>
    public async Task<string> WritePassphraseFileAsync(string name, string passphrase, CancellationToken cancellationToken = default)
    {
        var path = Folder.Combine(name);
        await File.WriteAllTextAsync(path, passphrase + "\n", cancellationToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await Posix.ChownToPostgresAsync(path, recursive: false, cancellationToken);
        return path;
    }

    /// <summary>Runs pgark in this process, exactly as Program.Main would (same parsing, same error mapping).</summary>
    public Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(["--config", ConfigPath, .. args]);

    /// <summary>Starts pgark as a child process (so a test can kill it).</summary>
    public Process StartProcess(params string[] args)
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(ConfigPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }

    /// <summary>Closes the current WAL segment and waits until every finished segment is archived.</summary>
    public async Task SwitchAndWaitForArchiveAsync()
    {
        var segment = await Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var last = await Cluster.ScalarAsync<string>("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            if (string.CompareOrdinal(last, segment) >= 0)
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"segment {segment} was not archived within 60 s:\n{Cluster.ReadLog()}");
    }

    /// <summary>
    /// Restores the repository to latest, starts the copy, waits for recovery to end, and asserts that its postgres
    /// database equals <paramref name="expected"/>; <paramref name="alsoCheck"/> runs against the restored cluster before it stops.
    /// </summary>
    public async Task AssertRestoreToLatestEqualsAsync(TableSnapshot expected, Func<TestCluster, Task>? alsoCheck = null)
    {
        var (restore, restored) = await RestoreAndStartAsync("latest");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        await using (restored!)
        {
            await restored!.WaitForRecoveryEndAsync(TimeSpan.FromMinutes(3));
            expected.AssertSameContent(await TableSnapshot.CaptureDatabaseAsync(restored, "postgres", CancellationToken.None));
            if (alsoCheck is not null)
            {
                await alsoCheck(restored);
            }
        }
    }

    /// <summary>Restores (in-process) and starts the result as a new cluster on a free port.</summary>
    public async Task<(CliRun Run, TestCluster? Cluster)> RestoreAndStartAsync(string name, params string[] restoreArgs)
    {
        var target = Folder.Combine(name);
        Directory.CreateDirectory(target);
        await Posix.ChownToPostgresAsync(target, recursive: false, CancellationToken.None);
        var run = await RunAsync(["restore", "--server", Server, "--pgdata", target, .. restoreArgs]);
        if (run.ExitCode != 0)
        {
            return (run, null);
        }
        var restored = await TestCluster.AttachAsync(target, new TestClusterAttachOptions
        {
            // The restored cluster must not archive into the source's repository area.
            Settings = new Dictionary<string, string> { ["archive_mode"] = "off" },
            DeleteDataDirectoryOnDispose = true,
            StartTimeout = TimeSpan.FromMinutes(3),
        }, CancellationToken.None);
        return (run, restored);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Folder.Dispose();
    }
}
