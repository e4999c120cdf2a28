using System.Diagnostics;
using System.Text;
using Npgsql;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Logical;

/// <summary>
/// How PgArk reaches one database of a configured server: Npgsql connections, and the conninfo and environment for
/// pg_dump / pg_restore (which connect over the same socket or host, so they run as the current user, even root).
/// </summary>
internal sealed class PgClient
{
    private readonly ServerOptions _server;

    public PgClient(ServerOptions server)
    {
        _server = server;
    }

    public string ServerName => _server.Name;

    public string ConnectionString(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(_server.Connection)
        {
            Database = database,
            ApplicationName = "pgark",
            Pooling = false,
            CommandTimeout = 0,
        };
        return builder.ConnectionString;
    }

    /// <summary>The database PgArk connects to for CREATE/DROP DATABASE: the configured one, else "postgres".</summary>
    public string MaintenanceDatabase => new NpgsqlConnectionStringBuilder(_server.Connection).Database is { Length: > 0 } d ? d : "postgres";

    /// <summary>Opens a connection; a database that does not exist is a <see cref="NotFoundException"/>.</summary>
    public async Task<NpgsqlConnection> OpenAsync(string database, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new NotFoundException($"database '{database}' does not exist on server '{_server.Name}'");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new OperationFailedException($"unable to connect to server '{_server.Name}': {ex.Message}",
                "check the server's 'connection' in pgark.yaml and that PostgreSQL is running", ex);
        }
    }

    public async Task<bool> DatabaseExistsAsync(string database, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(MaintenanceDatabase, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
        await using var commandScope = command.ConfigureAwait(false);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
    }

    /// <summary>Runs one statement in the maintenance database (CREATE/DROP DATABASE cannot run in a transaction).</summary>
    public async Task ExecuteMaintenanceAsync(string sql, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(MaintenanceDatabase, cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A libpq conninfo string for <c>--dbname</c>: host, port, user and database, without the password.</summary>
    public string ConnInfo(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(_server.Connection);
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add($"{key}='{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'");
            }
        }
        Add("host", builder.Host?.Split(',')[0]);
        Add("port", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("user", builder.Username ?? System.Environment.UserName);
        Add("dbname", database);
        Add("application_name", "pgark");
        return string.Join(' ', parts);
    }

    /// <summary>
    /// The libpq environment of pg_dump, pg_restore and psql: the password (PGPASSWORD, never on the command line) and the
    /// connection's TLS settings, so the programs verify the server as the connection string asks instead of libpq's
    /// default sslmode=prefer (which accepts any certificate, or none).
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment() => LibpqEnvironment(_server.Connection);

    internal static Dictionary<string, string> LibpqEnvironment(string connection)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PGSSLMODE"] = builder.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Prefer => "prefer",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => throw new ConfigurationException($"SSL Mode '{builder.SslMode}' has no libpq equivalent"),
            },
        };
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                environment[name] = value;
            }
        }
        Add("PGPASSWORD", builder.Password);
        Add("PGSSLROOTCERT", builder.RootCertificate);
        Add("PGSSLCERT", builder.SslCertificate);
        Add("PGSSLKEY", builder.SslKey);
        Add("PGPASSFILE", builder.Passfile);
        return environment;
    }

    /// <summary>pg_dump / pg_restore: the configured pgBin, else the installation matching the server's major version, else the newest.</summary>
    public string Program(string name, int? serverMajor)
    {
        var installation = PgInstallation.Find(_server.PgBin, serverMajor ?? _server.PgVersion);
        var path = installation.Program(name);
        return File.Exists(path) ? path : throw new NotFoundException($"'{name}' not found in {installation.BinDirectory}",
            "install the PostgreSQL client programs or set pgBin for the server in pgark.yaml");
    }

    /// <summary>Starts a PostgreSQL client program with stdin/stdout as pipes the caller streams through.</summary>
    public Process Start(string program, IEnumerable<string> arguments, bool redirectInput, bool redirectOutput)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in Environment())
        {
            info.Environment[key] = value;
        }
        try
        {
            return Process.Start(info) ?? throw new OperationFailedException($"unable to start '{program}'");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new OperationFailedException($"unable to run '{program}': {ex.Message}");
        }
    }

    /// <summary>Runs a program to completion, collecting its output; non-zero exit is an <see cref="OperationFailedException"/>.</summary>
    public async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Start(program, arguments, redirectInput: false, redirectOutput: true);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await WaitAsync(process, cancellationToken).ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new OperationFailedException($"'{Path.GetFileName(program)}' failed with exit code {process.ExitCode}: {error.Trim()}");
        }
        return output;
    }

    public static async Task WaitAsync(Process process, CancellationToken cancellationToken)
    {
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Quotes an identifier for SQL (always, so names with capitals, spaces or quotes are exact).</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string QuoteQualified(string schema, string name) => QuoteIdentifier(schema) + "." + QuoteIdentifier(name);

    /// <summary>A pattern for pg_dump/pg_restore -t that matches exactly one name (double quotes make every character literal).</summary>
    public static string ExactPattern(string schema, string name) => QuoteQualified(schema, name);

    internal static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    internal static StringBuilder Tail(StringBuilder builder, string line, int max = 8000)
    {
        builder.AppendLine(line);
        if (builder.Length > max)
        {
            builder.Remove(0, builder.Length - max);
        }
        return builder;
    }
}
