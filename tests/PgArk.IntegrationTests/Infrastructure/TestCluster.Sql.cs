using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace PgArk.IntegrationTests.Infrastructure;

public sealed partial class TestCluster
{
    private const int LogTailChars = 8000;

    /// <summary>Socket connection as the superuser, without pooling (so a stopped server leaves no idle connections behind).</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = SocketDirectory,
            Port = Port,
            Username = Superuser,
            Database = database,
            Pooling = false,
            Timeout = 30,
            CommandTimeout = 300,
        }.ConnectionString;

    public async Task<NpgsqlConnection> OpenAsync(string database = "postgres", CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one or more statements (separated by semicolons) and returns the rows affected.</summary>
    public async Task<int> ExecuteAsync(string sql, string database = "postgres", CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first column of the first row, converted to <typeparamref name="T"/>; default for no row or NULL.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, string database = "postgres", CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value switch
        {
            null or DBNull => default,
            T typed => typed,
            _ => (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture),
        };
    }

    public Task CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"CREATE DATABASE {SqlIdentifier.Quote(name)}", cancellationToken: cancellationToken);

    /// <summary><c>ALTER SYSTEM SET</c> plus a reload; settings that need a restart take effect at the next one.</summary>
    public async Task SetSettingAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        // ALTER SYSTEM cannot share a transaction (or a multi-statement command) with anything else.
        await ExecuteAsync(
            $"ALTER SYSTEM SET {PostgresConf.ValidateName(name)} = {PostgresConf.Literal(value)}",
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await ExecuteAsync("SELECT pg_reload_conf()", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public Task SetArchiveCommandAsync(string archiveCommand, CancellationToken cancellationToken = default) =>
        SetSettingAsync("archive_command", archiveCommand, cancellationToken);

    /// <summary>
    /// Waits until the server accepts connections and <c>pg_is_in_recovery()</c> is false, e.g. after a restore whose
    /// recovery ends in promotion. Throws <see cref="TimeoutException"/> with the server log tail.
    /// </summary>
    public async Task WaitForRecoveryEndAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        string? lastError = null;
        while (stopwatch.Elapsed < timeout)
        {
            try
            {
                if (!await ScalarAsync<bool>("SELECT pg_is_in_recovery()", cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                lastError = "still in recovery";
            }
            catch (NpgsqlException ex)
            {
                // 57P03 "the database system is starting up" and friends: try again.
                lastError = ex.Message;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException(
            $"the cluster in '{DataDirectory}' did not leave recovery within {timeout.TotalSeconds:0}s ({lastError})\n" +
            $"--- server log ---\n{ReadLogTail()}");
    }

    /// <summary>The whole server log so far; empty when the server never started.</summary>
    public string ReadLog()
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return string.Empty;
        }
        catch (DirectoryNotFoundException)
        {
            return string.Empty;
        }
    }

    private string ReadLogTail()
    {
        var log = ReadLog();
        return log.Length <= LogTailChars ? log : "..." + log[^LogTailChars..];
    }
}
