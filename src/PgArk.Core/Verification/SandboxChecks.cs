using System.Globalization;
using Npgsql;
using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Postgres;

namespace PgArk.Core.Verification;

/// <summary>
/// The checks of a test restore, run against a started sandbox: pg_amcheck over every database, then each configured
/// database's tables, minimum row counts and boolean queries. Every check yields a result; none stops the others.
/// </summary>
internal static class SandboxChecks
{
    public static async Task<List<VerifyCheckResult>> RunAsync(LocalCluster cluster, VerifyOptions options, CancellationToken cancellationToken)
    {
        var results = new List<VerifyCheckResult>();
        if (options.Amcheck)
        {
            results.Add(await AmcheckAsync(cluster, cancellationToken).ConfigureAwait(false));
        }
        foreach (var database in options.Databases)
        {
            await DatabaseAsync(cluster.ConnectionString(database.Name), database, results, cancellationToken).ConfigureAwait(false);
        }
        return results;
    }

    private static async Task<VerifyCheckResult> AmcheckAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        var arguments = new[]
        {
            "--host", cluster.SocketDirectory, "--port", cluster.Port.ToString(CultureInfo.InvariantCulture), "--username", "postgres",
            "--no-password", "--all", "--install-missing", "--heapallindexed",
        };
        var outcome = await ProcessRunner.RunAsync(cluster.Installation.Program("pg_amcheck"), arguments, asPostgresUser: true,
            TimeSpan.FromMinutes(30), cancellationToken).ConfigureAwait(false);
        var output = string.Join('\n', (outcome.StandardOutput + outcome.StandardError).Trim().Split('\n').TakeLast(10));
        return outcome.ExitCode == 0
            ? new VerifyCheckResult("amcheck", true, "pg_amcheck --all found no corruption")
            : new VerifyCheckResult("amcheck", false, $"pg_amcheck exited with {outcome.ExitCode}: {output}");
    }

    /// <summary>The configured checks of one database, run against <paramref name="connectionString"/> (e.g. a restored copy).</summary>
    internal static async Task<List<VerifyCheckResult>> DatabaseAsync(string connectionString, VerifyDatabaseOptions database,
        CancellationToken cancellationToken)
    {
        var results = new List<VerifyCheckResult>();
        await DatabaseAsync(connectionString, database, results, cancellationToken).ConfigureAwait(false);
        return results;
    }

    private static async Task DatabaseAsync(string connectionString, VerifyDatabaseOptions database, List<VerifyCheckResult> results,
        CancellationToken cancellationToken)
    {
        var prefix = $"{database.Name}: ";
        var connection = new NpgsqlConnection(connectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            results.Add(new VerifyCheckResult(prefix + "connect", false, ex.Message));
            return;
        }
        var tables = database.Tables.Concat(database.MinRows.Keys).Distinct(StringComparer.Ordinal);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var found = await ScalarAsync(connection, "SELECT to_regclass($1)::text", cancellationToken, Quote(table)).ConfigureAwait(false);
            var exists = found.Value is string;
            if (exists)
            {
                existing.Add(table);
            }
            results.Add(new VerifyCheckResult($"{prefix}table {table} exists", exists,
                found.Error ?? (exists ? $"found {found.Value}" : $"table {table} does not exist")));
        }
        foreach (var (table, minimum) in database.MinRows)
        {
            if (!existing.Contains(table))
            {
                continue;
            }
            var name = $"{prefix}table {table} has at least {minimum} rows";
            var count = await ScalarAsync(connection, $"SELECT count(*) FROM {Quote(table)}", cancellationToken).ConfigureAwait(false);
            results.Add(count.Value is long rows
                ? new VerifyCheckResult(name, rows >= minimum, $"{rows} rows")
                : new VerifyCheckResult(name, false, count.Error ?? "no count"));
        }
        foreach (var (checkName, sql) in database.Queries)
        {
            var name = $"{prefix}query {checkName}";
            var answer = await ScalarAsync(connection, sql, cancellationToken).ConfigureAwait(false);
            results.Add(answer switch
            {
                { Error: { } error } => new VerifyCheckResult(name, false, error),
                { Value: true } => new VerifyCheckResult(name, true, "returned true"),
                { Value: bool } => new VerifyCheckResult(name, false, "returned false"),
                _ => new VerifyCheckResult(name, false, $"returned {Describe(answer.Value)}, expected a boolean"),
            });
        }
    }

    private static string Describe(object? value) => value switch
    {
        null or DBNull => "no value",
        _ => $"'{Convert.ToString(value, CultureInfo.InvariantCulture)}'",
    };

    /// <summary>"table" or "schema.table" as a quoted SQL name (names were validated to contain no '"').</summary>
    internal static string Quote(string table) => string.Join('.', table.Split('.').Select(part => $"\"{part}\""));

    private static async Task<(object? Value, string? Error)> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken,
        params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        try
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return (value is DBNull ? null : value, null);
        }
        catch (PostgresException ex)
        {
            return (null, $"{ex.SqlState}: {ex.MessageText}");
        }
    }
}
