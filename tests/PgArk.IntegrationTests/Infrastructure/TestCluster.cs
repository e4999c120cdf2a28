using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL server for tests, in its own folder <c>/tmp/pgark-it-&lt;random&gt;</c> (data directory, log and Unix
/// socket), on a free port, reachable only through the socket. Under root every PostgreSQL program runs as the
/// <c>postgres</c> OS user. The server is stopped by the PID in postmaster.pid, and disposing always stops it and
/// deletes the folder.
/// </summary>
public sealed partial class TestCluster : IAsyncDisposable
{
    public const string Superuser = "postgres";

    // Clusters with a server that may be running; a process-exit hook kills those a test forgot to dispose.
    private static readonly ConcurrentDictionary<TestCluster, byte> s_live = InstallExitHook();

    private readonly TempFolder _workFolder;
    private readonly IReadOnlyList<string> _serverOptions;
    private readonly TimeSpan _startTimeout;
    private readonly bool _deleteDataDirectory;
    private int? _pid;
    private bool _disposed;

    private TestCluster(
        PgBinaries binaries,
        TempFolder workFolder,
        string dataDirectory,
        int port,
        IReadOnlyList<string> serverOptions,
        TimeSpan startTimeout,
        bool deleteDataDirectory)
    {
        Binaries = binaries;
        _workFolder = workFolder;
        DataDirectory = dataDirectory;
        Port = port;
        _serverOptions = serverOptions;
        _startTimeout = startTimeout;
        _deleteDataDirectory = deleteDataDirectory;
    }

    public PgBinaries Binaries { get; }

    /// <summary>The cluster's own temp folder: socket, log, and (for a created cluster) the data directory.</summary>
    public string WorkDirectory => _workFolder.Path;

    public string DataDirectory { get; }

    public int Port { get; }

    /// <summary>Where the server's Unix socket lives (it listens on no TCP address).</summary>
    public string SocketDirectory => _workFolder.Path;

    public string LogFile => Path.Combine(_workFolder.Path, "postgres.log");

    /// <summary>The postmaster's PID while the server runs, as read from postmaster.pid.</summary>
    public int? ProcessId => _pid;

    public bool IsRunning => _pid is int pid && Posix.IsAlive(pid);

    public static Task<TestCluster> CreateAsync(CancellationToken cancellationToken) =>
        CreateAsync(new TestClusterOptions(), cancellationToken);

    /// <summary>Runs initdb in a new temp folder, writes the settings, and (by default) starts the server.</summary>
    public static async Task<TestCluster> CreateAsync(TestClusterOptions options, CancellationToken cancellationToken)
    {
        var binaries = options.Binaries ?? PgBinaries.Default;
        var work = await TempFolder.CreateAsync(ownedByPostgres: true, cancellationToken).ConfigureAwait(false);
        var cluster = new TestCluster(
            binaries, work, Path.Combine(work.Path, "data"), FreePort.Next(work.Path), [], options.StartTimeout, false);
        try
        {
            await cluster.InitdbAsync(options.DataChecksums, cancellationToken).ConfigureAwait(false);
            cluster.AppendSettings(options);
            if (options.Start)
            {
                await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static Task<TestCluster> AttachAsync(string dataDirectory, CancellationToken cancellationToken) =>
        AttachAsync(dataDirectory, new TestClusterAttachOptions(), cancellationToken);

    /// <summary>
    /// Runs an existing data directory (a restored one, say) on a new free port and socket folder. The port, socket
    /// directory and <see cref="TestClusterAttachOptions.Settings"/> go on the server command line, so the directory's
    /// own configuration files are left as they are. Under root the directory is first given to the postgres user
    /// and set to mode 0700, because PgArk (running as root) wrote it.
    /// </summary>
    public static async Task<TestCluster> AttachAsync(
        string dataDirectory, TestClusterAttachOptions options, CancellationToken cancellationToken)
    {
        var binaries = options.Binaries ?? PgBinaries.Default;
        dataDirectory = Path.GetFullPath(dataDirectory);
        await PrepareDataDirectoryAsync(dataDirectory, binaries, cancellationToken).ConfigureAwait(false);

        var work = await TempFolder.CreateAsync(ownedByPostgres: true, cancellationToken).ConfigureAwait(false);
        var port = FreePort.Next(work.Path);
        List<string> serverOptions = ["-p", port.ToString(CultureInfo.InvariantCulture), "-k", work.Path, "-c", "listen_addresses="];
        foreach (var (name, value) in options.Settings)
        {
            serverOptions.Add("-c");
            serverOptions.Add($"{PostgresConf.ValidateName(name)}={value}");
        }

        var cluster = new TestCluster(
            binaries, work, dataDirectory, port, serverOptions, options.StartTimeout, options.DeleteDataDirectoryOnDispose);
        try
        {
            if (options.Start)
            {
                await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override string ToString() => $"TestCluster(port {Port}, {DataDirectory})";

    private async Task InitdbAsync(bool dataChecksums, CancellationToken cancellationToken)
    {
        // --no-sync: the initial files need no durability here, and syncing them costs seconds per cluster.
        List<string> args =
            ["-D", DataDirectory, "-U", Superuser, "--auth=trust", "--locale=C", "--encoding=UTF8", "--no-sync"];
        if (dataChecksums)
        {
            args.Add("--data-checksums");
        }

        if (Binaries.MajorVersion >= 14)
        {
            args.Add("--no-instructions");
        }

        await ProcessRunner.RunAsync(
            Binaries.Initdb,
            args,
            new ProcessRunOptions { RunAsPostgres = true, ThrowOnFailure = true },
            cancellationToken).ConfigureAwait(false);
    }

    private void AppendSettings(TestClusterOptions options)
    {
        var settings = new List<KeyValuePair<string, string>>
        {
            new("port", Port.ToString(CultureInfo.InvariantCulture)),
            new("listen_addresses", ""),
            new("unix_socket_directories", SocketDirectory),
            new("wal_level", "replica"),
            new("max_wal_senders", "3"),
            new("archive_mode", options.ArchiveMode),
            new("archive_command", options.ArchiveCommand),
            new("fsync", options.Fsync ? "on" : "off"),
            new("max_connections", "50"),
            new("shared_buffers", "128MB"),
        };
        settings.AddRange(options.Settings);

        var text = new StringBuilder("\n# Added by PgArk's TestCluster\n");
        foreach (var (name, value) in settings)
        {
            text.Append(PostgresConf.Line(name, value)).Append('\n');
        }

        // Appending keeps the file's owner (postgres) even when root writes.
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), text.ToString());
    }

    private static async Task PrepareDataDirectoryAsync(string dataDirectory, PgBinaries binaries, CancellationToken cancellationToken)
    {
        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        if (!File.Exists(versionFile))
        {
            throw new InvalidOperationException($"'{dataDirectory}' is not a PostgreSQL data directory: PG_VERSION is missing");
        }

        var version = (await File.ReadAllTextAsync(versionFile, cancellationToken).ConfigureAwait(false)).Trim();
        if (version != binaries.MajorVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException(
                $"'{dataDirectory}' holds a PostgreSQL {version} cluster, but the test binaries are {binaries}");
        }

        await Posix.ChownToPostgresAsync(dataDirectory, recursive: true, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Posix.IsRoot)
        {
            var reachable = await ProcessRunner.RunAsync(
                "test", ["-r", versionFile], new ProcessRunOptions { RunAsPostgres = true }, cancellationToken).ConfigureAwait(false);
            if (!reachable.Succeeded)
            {
                throw new InvalidOperationException(
                    $"the postgres user cannot reach '{dataDirectory}': a parent folder is closed to it; " +
                    "create the parent with TempFolder.CreateAsync(ownedByPostgres: true, ...)");
            }
        }
    }

    private static ConcurrentDictionary<TestCluster, byte> InstallExitHook()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillLeftovers();
        return new ConcurrentDictionary<TestCluster, byte>();
    }

    private static void KillLeftovers()
    {
        foreach (var cluster in s_live.Keys)
        {
            if (cluster._pid is int pid && Posix.IsAlive(pid))
            {
                foreach (var process in Posix.GetDescendants(pid).Prepend(pid))
                {
                    Posix.KillNow(process);
                }
            }

            if (cluster._deleteDataDirectory)
            {
                TempFolder.TryDelete(cluster.DataDirectory);
            }

            cluster._workFolder.Dispose();
        }
    }
}
