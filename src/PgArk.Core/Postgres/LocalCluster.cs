using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using PgArk.Core.Common;
using PgArk.Core.Errors;

namespace PgArk.Core.Postgres;

/// <summary>
/// A PostgreSQL cluster this process controls on the local machine: a sandbox for quickstart and test restores.
/// It listens only on a Unix socket in <see cref="SocketDirectory"/>, runs as the postgres OS user when PgArk runs as
/// root, and is stopped by PID if pg_ctl cannot stop it.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan s_programTimeout = TimeSpan.FromMinutes(5);

    private LocalCluster(PgInstallation installation, string dataDirectory, string socketDirectory, int port)
    {
        Installation = installation;
        DataDirectory = dataDirectory;
        SocketDirectory = socketDirectory;
        Port = port;
    }

    public PgInstallation Installation { get; }
    public string DataDirectory { get; }
    public string SocketDirectory { get; }
    public int Port { get; private set; }
    public int? ProcessId { get; private set; }
    public string LogFile => Path.Combine(SocketDirectory, $"postgres-{Port}.log");

    /// <summary>Role PgArk connects as: "postgres", or for a restored cluster the live server's configured user (its bootstrap superuser may differ).</summary>
    public string Username { get; set; } = "postgres";

    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = SocketDirectory, Port = Port, Username = Username, Database = database, Pooling = false, Timeout = 30,
        }.ConnectionString;

    /// <summary>Runs initdb into a new data directory (owned by postgres when running as root).</summary>
    public static async Task<LocalCluster> InitAsync(PgInstallation installation, string dataDirectory, string socketDirectory, bool dataChecksums,
        CancellationToken cancellationToken)
    {
        PrepareFolder(Path.GetDirectoryName(Path.GetFullPath(dataDirectory))!);
        PrepareFolder(socketDirectory);
        var arguments = new List<string> { "-D", dataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions" };
        if (dataChecksums)
        {
            arguments.Add("--data-checksums");
        }
        if (Libc.IsRoot)
        {
            Directory.CreateDirectory(dataDirectory);
            ChownToPostgres(dataDirectory);
        }
        await ProcessRunner.RunCheckedAsync(installation.Program("initdb"), arguments, asPostgresUser: true, s_programTimeout, cancellationToken)
            .ConfigureAwait(false);
        return new LocalCluster(installation, dataDirectory, socketDirectory, FreePort());
    }

    /// <summary>Wraps an existing data directory (e.g. a restored one) so it can be started on a free port.</summary>
    public static LocalCluster Attach(PgInstallation installation, string dataDirectory, string socketDirectory)
    {
        PrepareFolder(socketDirectory);
        return new LocalCluster(installation, dataDirectory, socketDirectory, FreePort());
    }

    /// <summary>Appends settings to postgresql.conf (later lines win).</summary>
    public async Task ConfigureAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var lines = settings.Select(s => $"{s.Key} = '{s.Value.Replace("'", "''", StringComparison.Ordinal)}'");
        await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "postgresql.conf"), lines, cancellationToken).ConfigureAwait(false);
    }

    /// <param name="overrides">Settings passed on the server command line (win over the configuration files).</param>
    public async Task StartAsync(CancellationToken cancellationToken, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var wait = timeout ?? TimeSpan.FromMinutes(5);
        foreach (var path in new[] { DataDirectory, LogFile })
        {
            // pg_ctl writes -D and -l into its /bin/sh command line between double quotes, where the shell still expands these.
            if (path.IndexOfAny(['"', '$', '`', '\\']) >= 0)
            {
                throw new UsageException($"unable to start PostgreSQL with '{path}': pg_ctl passes it to /bin/sh in double quotes, so it may not contain \", $, ` or \\",
                    "choose a folder (--sandbox-dir, pgdata) without those characters");
            }
        }
        var options = PostmasterOptions(Port, SocketDirectory, overrides);
        var outcome = await ProcessRunner.RunAsync(Installation.Program("pg_ctl"),
            ["-D", DataDirectory, "-l", LogFile, "-o", options, "-w", "-t", ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture), "start"],
            asPostgresUser: true, wait + TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        ProcessId = ReadPostmasterPid();
        if (outcome.ExitCode != 0)
        {
            throw new OperationFailedException($"PostgreSQL in {DataDirectory} did not start: {outcome.StandardError.Trim()}\n{LogTail()}");
        }
    }

    /// <summary>
    /// The <c>pg_ctl -o</c> string. pg_ctl hands it to <c>/bin/sh -c</c>, so every word is single-quoted: a socket folder
    /// or a setting value with a space, a quote, <c>$(…)</c> or <c>;</c> reaches postgres as one argument and runs nothing.
    /// </summary>
    internal static string PostmasterOptions(int port, string socketDirectory, IReadOnlyDictionary<string, string>? overrides)
    {
        var words = new List<string> { "-p", port.ToString(CultureInfo.InvariantCulture), "-k", socketDirectory, "-c", "listen_addresses=" };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string>())
        {
            words.AddRange(["-c", $"{name}={value}"]);
        }
        return string.Join(' ', words.Select(SelfCommand.ShellQuote));
    }

    /// <summary>
    /// Waits until the server accepts connections and has left recovery (promoted). A server that stopped meanwhile
    /// (recovery failed) is reported at once, with the end of its log.
    /// </summary>
    public async Task WaitUntilPrimaryAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (ProcessId is { } pid && !IsAlive(pid))
            {
                throw new OperationFailedException($"PostgreSQL in {DataDirectory} stopped during recovery:\n{LogTail()}");
            }
            try
            {
                var connection = new NpgsqlConnection(ConnectionString());
                await using var connectionScope = connection.ConfigureAwait(false);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                await using var commandScope = command.ConfigureAwait(false);
                if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return;
                }
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new OperationFailedException($"PostgreSQL in {DataDirectory} did not finish recovery within {timeout.TotalSeconds:0} s:\n{LogTail()}");
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <param name="immediate">Stop without a shutdown checkpoint (for a sandbox about to be deleted: nothing to keep).</param>
    public async Task StopAsync(CancellationToken cancellationToken, bool immediate = false)
    {
        var pid = ReadPostmasterPid() ?? ProcessId;
        if (pid is null)
        {
            return;
        }
        var outcome = await ProcessRunner.RunAsync(Installation.Program("pg_ctl"), ["-D", DataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "60", "stop"],
            asPostgresUser: true, TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0 && IsAlive(pid.Value))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid.Value).Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
        ProcessId = null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (PgArkException)
        {
            // Disposal is best effort; StopAsync already fell back to killing by PID.
        }
    }

    private int? ReadPostmasterPid()
    {
        var file = Path.Combine(DataDirectory, "postmaster.pid");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>The last lines of the server log, for error messages.</summary>
    public string LogTail() => File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(15)) : "(no log)";

    /// <summary>A TCP port nobody listens on; the socket file name depends on it, so it must be unique too.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Creates a folder the cluster needs; a folder we create is handed to postgres. Existing folders are left alone.</summary>
    private static void PrepareFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }
        Directory.CreateDirectory(folder);
        if (Libc.IsRoot)
        {
            ChownToPostgres(folder);
        }
    }

    /// <summary>
    /// Quotes a value for postgresql.conf: PostgreSQL's configuration lexer reads a backslash in a quoted value as an escape
    /// (\n, \t, \\ ...), so backslashes are doubled as well as single quotes; otherwise a config path with a backslash
    /// would reach archive-get changed.
    /// </summary>
    public static string QuoteSetting(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

    public static void ChownToPostgres(string path)
    {
        var (uid, gid) = PostgresUser();
        Libc.ChangeOwner(path, uid, gid);
    }

    /// <summary>uid and gid of the postgres OS user, from /etc/passwd.</summary>
    public static (uint Uid, uint Gid) PostgresUser()
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var parts = line.Split(':');
            if (parts.Length > 3 && parts[0] == "postgres")
            {
                return (uint.Parse(parts[2], CultureInfo.InvariantCulture), uint.Parse(parts[3], CultureInfo.InvariantCulture));
            }
        }
        throw new NotFoundException("the 'postgres' OS user does not exist", "install PostgreSQL (scripts/install-deps.sh)");
    }
}
