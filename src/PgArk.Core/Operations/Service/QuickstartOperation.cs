using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;

namespace PgArk.Core.Operations;

public sealed record QuickstartInput(
    [property: Input("Folder to create the demo set-up in.")] string Directory);

public sealed record QuickstartStep(string Name, double Seconds, string Detail);

/// <param name="Matches">True when the restored tables equal the source as it was at <see cref="TargetTime"/>, compared by content.</param>
public sealed record QuickstartResult(string Directory, string ConfigFile, string BackupId, DateTimeOffset TargetTime, bool Matches,
    IReadOnlyList<QuickstartStep> Steps, double TotalSeconds);

/// <summary>
/// The whole story on a throw-away cluster: archive, full backup, changes, a recorded time T, more changes, point-in-time
/// restore to T into a second cluster, and a content comparison proving the restore equals the source at T.
/// Every process it starts is stopped before it returns; the folder stays for inspection.
/// </summary>
public sealed class QuickstartOperation : Operation<QuickstartInput, QuickstartResult>
{
    private const string ServerName = "quickstart";
    private const string MarkerFile = ".pgark-quickstart";
    private static readonly string[] s_tables = ["customers", "orders"];

    public override string Name => "quickstart";
    public override string Description => "Sandbox cluster + local repository: backup, change, point-in-time restore, verify by content.";
    public override OperationRole Role => OperationRole.Admin;
    public override bool LongRunning => true;
    // Sets up a throw-away demo; it has no server of its own to record into.
    public override bool RecordsRuns => false;
    public override bool Registered => false;

    protected override async Task<QuickstartResult> ExecuteAsync(OperationContext context, QuickstartInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var steps = new List<QuickstartStep>();
        var root = Path.GetFullPath(input.Directory);
        PrepareDirectory(root);
        var installation = PgInstallation.Find();
        var socketDirectory = Path.Combine(root, "run");

        async Task<T> Step<T>(string name, Func<Task<(T Value, string Detail)>> action)
        {
            progress?.Report(new OperationProgress(name, 0, 0));
            var watch = Stopwatch.StartNew();
            var (value, detail) = await action().ConfigureAwait(false);
            steps.Add(new QuickstartStep(name, Math.Round(watch.Elapsed.TotalSeconds, 2), detail));
            return value;
        }

        var source = await Step("create sandbox cluster", async () =>
        {
            var cluster = await LocalCluster.InitAsync(installation, Path.Combine(root, "source"), socketDirectory, dataChecksums: true, cancellationToken)
                .ConfigureAwait(false);
            return (cluster, $"PostgreSQL {installation.MajorVersion} with data checksums in {cluster.DataDirectory}");
        }).ConfigureAwait(false);
        await using var sourceScope = source.ConfigureAwait(false);

        var configFile = Path.Combine(root, "pgark.yaml");
        var repositoryPath = Path.Combine(root, "repo");
        Directory.CreateDirectory(repositoryPath);
        if (Libc.IsRoot)
        {
            // archive_command runs as postgres and writes into the repository.
            LocalCluster.ChownToPostgres(repositoryPath);
        }
        await File.WriteAllTextAsync(configFile, $"""
            # Written by 'pgark quickstart'. Try: pgark --config {configFile} info
            lockPath: {Path.Combine(root, "locks")}
            repositories:
              - name: local
                type: posix
                path: {repositoryPath}
                compression: zstd
            servers:
              - name: {ServerName}
                connection: "{source.ConnectionString()}"
                pgdata: {source.DataDirectory}
                pgBin: {installation.BinDirectory}
                repositories: [local]

            """, cancellationToken).ConfigureAwait(false);
        // 0600 like every file holding a connection string; archive_command reads it as postgres, which owns it when we are root.
        File.SetUnixFileMode(configFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Libc.IsRoot)
        {
            LocalCluster.ChownToPostgres(configFile);
        }
        var quick = new OperationContext(ConfigLoader.Load(configFile), context.LoggerFactory, context.SelfCommand);

        await Step("configure archiving and start", async () =>
        {
            await source.ConfigureAsync(new Dictionary<string, string>
            {
                ["wal_level"] = "replica",
                ["archive_mode"] = "on",
                ["archive_command"] = quick.ArchivePushCommand(ServerName),
                ["max_wal_senders"] = "3",
            }, cancellationToken).ConfigureAwait(false);
            await source.StartAsync(cancellationToken).ConfigureAwait(false);
            await new InitOperation().RunAsync(quick, new InitInput(ServerName), null, cancellationToken).ConfigureAwait(false);
            return (0, $"port {source.Port}; archive_command = {quick.ArchivePushCommand(ServerName)}");
        }).ConfigureAwait(false);

        await Step("load sample schema", async () =>
        {
            await ExecuteAsync(source, """
                CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers, amount numeric(12,2), status text, placed_at timestamptz DEFAULT now());
                INSERT INTO customers SELECT g, 'Customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 1000) g;
                INSERT INTO orders (customer_id, amount, status) SELECT 1 + g % 1000, round((g * 7.31)::numeric % 500, 2), 'new' FROM generate_series(1, 5000) g;
                """, cancellationToken).ConfigureAwait(false);
            return (0, "customers: 1000 rows, orders: 5000 rows");
        }).ConfigureAwait(false);

        var check = await Step("check archiving", async () =>
        {
            var result = await new CheckOperation().RunAsync(quick, new CheckInput(ServerName), null, cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                throw new OperationFailedException("quickstart: check failed: " + string.Join("; ", result.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")));
            }
            return (result, result.Checks.Last().Detail);
        }).ConfigureAwait(false);

        var backup = await Step("full backup", async () =>
        {
            var result = await new BackupOperation().RunAsync(quick, new BackupInput(ServerName), null, cancellationToken).ConfigureAwait(false);
            return (result, $"{result.Manifest.Id}: {result.Manifest.Size / 1048576.0:0.0} MB, stored {result.Manifest.StoredSize / 1048576.0:0.0} MB, {result.MegabytesPerSecond:0} MB/s");
        }).ConfigureAwait(false);

        var (targetTime, expected) = await Step("change data and record T", async () =>
        {
            await ExecuteAsync(source, """
                INSERT INTO customers SELECT g, 'Customer ' || g, NULL FROM generate_series(1001, 1200) g;
                UPDATE orders SET status = 'shipped' WHERE id % 3 = 0;
                """, cancellationToken).ConfigureAwait(false);
            var t = await ScalarAsync<DateTime>(source, "SELECT clock_timestamp()", cancellationToken).ConfigureAwait(false);
            var fingerprint = await FingerprintAsync(source.ConnectionString(), cancellationToken).ConfigureAwait(false);
            await Task.Delay(1100, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(source, """
                DELETE FROM orders WHERE id % 5 = 0;
                UPDATE customers SET email = upper(email) WHERE id <= 500;
                """, cancellationToken).ConfigureAwait(false);
            // Close the segment so the changes after T are archived: recovery needs to see a commit past T to stop at T.
            await ExecuteAsync(source, "SELECT pg_switch_wal()", cancellationToken).ConfigureAwait(false);
            var time = new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));
            return ((time, fingerprint), $"T = {time.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff} UTC; then deleted 20% of orders and changed 500 emails");
        }).ConfigureAwait(false);

        var restoreDirectory = Path.Combine(root, "restored");
        var restored = await Step("point-in-time restore to T", async () =>
        {
            await WaitForArchiveAsync(source, cancellationToken).ConfigureAwait(false);
            var result = await new RestoreOperation().RunAsync(quick,
                new RestoreInput(ServerName, restoreDirectory,
                    TargetTime: targetTime.ToString("O", CultureInfo.InvariantCulture), TargetAction: TargetAction.Promote),
                null, cancellationToken)
                .ConfigureAwait(false);
            return (result, $"backup {result.BackupId} into {restoreDirectory}, {result.MegabytesPerSecond:0} MB/s");
        }).ConfigureAwait(false);

        var copy = LocalCluster.Attach(installation, restoreDirectory, socketDirectory);

        await using var copyScope = copy.ConfigureAwait(false);
        var matches = await Step("start restored cluster and compare", async () =>
        {
            // A side copy: it must not archive its new timeline into the source's archive.
            await copy.StartAsync(cancellationToken, overrides: new Dictionary<string, string> { ["archive_mode"] = "off" }).ConfigureAwait(false);
            await copy.WaitUntilPrimaryAsync(TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            var actual = await FingerprintAsync(copy.ConnectionString(), cancellationToken).ConfigureAwait(false);
            var now = await FingerprintAsync(source.ConnectionString(), cancellationToken).ConfigureAwait(false);
            var same = actual == expected;
            return (same, same
                ? $"restored content equals the source at T ({Short(expected)}); the source has moved on since ({Short(now)})"
                : $"MISMATCH: restored {Short(actual)}, expected {Short(expected)}");
        }).ConfigureAwait(false);

        await Step("stop clusters", async () =>
        {
            await copy.StopAsync(cancellationToken).ConfigureAwait(false);
            await source.StopAsync(cancellationToken).ConfigureAwait(false);
            return (0, "both sandbox clusters stopped");
        }).ConfigureAwait(false);

        _ = check;
        _ = restored;
        if (!matches)
        {
            throw new IntegrityException("quickstart: the restored cluster does not equal the source at the target time");
        }
        return new QuickstartResult(root, configFile, backup.Manifest.Id, targetTime, matches, steps, Math.Round(total.Elapsed.TotalSeconds, 2));
    }

    private static void PrepareDirectory(string root)
    {
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            if (!File.Exists(Path.Combine(root, MarkerFile)))
            {
                throw new RefusedException($"'{root}' exists and was not created by pgark quickstart", "choose another --dir");
            }
            StopLeftovers(root);
            Directory.Delete(root, recursive: true);
        }
        Directory.CreateDirectory(root);
        // PostgreSQL (as postgres) must be able to reach its folders inside.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(root, MarkerFile), "created by pgark quickstart\n");
    }

    /// <summary>A previous quickstart killed midway may have left servers running in the folder we are about to remove.</summary>
    private static void StopLeftovers(string root)
    {
        foreach (var data in new[] { "source", "restored" })
        {
            var pidFile = Path.Combine(root, data, "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10000);
                }
                catch (ArgumentException)
                {
                }
            }
        }
    }

    private static async Task WaitForArchiveAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        // The switched segment must reach the repository before recovery can read past T.
        for (var i = 0; i < 300; i++)
        {
            var pending = await ScalarAsync<long>(cluster,
                "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'", cancellationToken).ConfigureAwait(false);
            if (pending == 0)
            {
                return;
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        throw new OperationFailedException("quickstart: WAL was not archived within 30 s");
    }

    private static async Task<string> FingerprintAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var parts = new List<string>();
        foreach (var table in s_tables)
        {
            var command = new NpgsqlCommand(
                $"SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {table} t", connection);
            await using var commandScope = command.ConfigureAwait(false);
            parts.Add($"{table}={(string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!}");
        }
        return string.Join(" ", parts);
    }

    /// <summary>"customers=1200:3f2a…" → row counts with a short digest, for display only.</summary>
    private static string Short(string fingerprint) =>
        string.Join(" ", fingerprint.Split(' ').Select(p => p.Length > p.IndexOf(':', StringComparison.Ordinal) + 9 ? p[..(p.IndexOf(':', StringComparison.Ordinal) + 9)] : p));

    private static async Task ExecuteAsync(LocalCluster cluster, string sql, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(cluster.ConnectionString());
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(LocalCluster cluster, string sql, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(cluster.ConnectionString());
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, typeof(T), CultureInfo.InvariantCulture);
    }
}
