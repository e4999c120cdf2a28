using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PgArk.Core.Catalog;
using PgArk.Core.Notifications;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Notifications;

/// <summary>
/// Every recorded run, whatever started it, lands in the repository history, in the backup_history table of a real
/// PostgreSQL catalog, and at the webhooks; none of those can fail the run.
/// </summary>
public class RunRecordingTests
{
    private const string Secret = "webhook-signing-secret";

    private static async Task AppendAsync(PgArkHarness harness, string yaml) =>
        await File.AppendAllTextAsync(harness.ConfigPath, yaml.ReplaceLineEndings("\n") + "\n");

    [Fact]
    public async Task Webhook_ForcedFailure_RetriedAfter500_PayloadHasSeed001Fields()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync(500);
        Environment.SetEnvironmentVariable("PGARK_TEST_WEBHOOK_SECRET", Secret);
        await AppendAsync(harness, $$"""
            notifications:
              webhooks:
                - { url: "{{receiver.Url("/alerts")}}", on: [failure], headers: { Authorization: "Bearer hook-token" }, secretEnv: PGARK_TEST_WEBHOOK_SECRET }
                - { url: "{{receiver.Url("/successes")}}", on: [success] }
            """);

        var failed = await harness.RunAsync("dump", "--server", PgArkHarness.Server, "--database", "no_such_db");

        Assert.True(failed.ExitCode != 0, failed.ToString());
        // The CLI waits (bounded) for queued webhooks before exiting, so both attempts have arrived.
        var attempts = receiver.Deliveries.ToList();
        Assert.Equal(["/alerts", "/alerts"], attempts.Select(d => d.Path));
        Assert.Equal([500, 200], attempts.Select(d => d.AnsweredStatus));
        Assert.Equal(attempts[0].RawBody, attempts[1].RawBody);
        var delivery = attempts[1];
        Assert.Equal("Bearer hook-token", delivery.Headers["Authorization"]);
        var expectedSignature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(delivery.RawBody)));
        Assert.Equal(expectedSignature, delivery.Headers[WebhookNotifier.SignatureHeader]);
        var body = delivery.Body;
        Assert.Equal("pgark", body.GetProperty("service").GetString());
        Assert.Equal("pgark-dump", body.GetProperty("event").GetString());
        Assert.Equal("failure", body.GetProperty("status").GetString());
        Assert.Equal(Environment.MachineName, body.GetProperty("host").GetString());
        Assert.Equal(PgArkHarness.Server, body.GetProperty("server").GetString());
        Assert.Equal("no_such_db", body.GetProperty("database").GetString());
        Assert.Equal("dump", body.GetProperty("operation").GetString());
        Assert.Equal("full", body.GetProperty("type").GetString());
        Assert.Equal("manual", body.GetProperty("origin").GetString());
        Assert.Contains("no_such_db", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"PgArk full dump of database 'no_such_db' on server '{PgArkHarness.Server}' failed on ", body.GetProperty("message").GetString(),
            StringComparison.Ordinal);
        Assert.Contains(body.GetProperty("message").GetString()!, body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(body.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            < TimeSpan.FromMinutes(5));
        Assert.True(body.GetProperty("duration_seconds").GetDouble() >= 0);
        Assert.DoesNotContain(harness.Cluster.ConnectionString(), delivery.RawBody, StringComparison.Ordinal);

        var backup = await harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");

        Assert.True(backup.ExitCode == 0, backup.ToString());
        var id = JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("backup_id").GetString();
        var success = Assert.Single(receiver.Deliveries, d => d.Path == "/successes");
        Assert.Equal("success", success.Body.GetProperty("status").GetString());
        Assert.Equal(id, success.Body.GetProperty("backup_id").GetString());
        Assert.True(success.Body.GetProperty("size_bytes").GetInt64() > 0);
        Assert.Equal(3, receiver.Deliveries.Count);
    }

    [Fact]
    public async Task Webhook_Unreachable_OperationStillSucceeds()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        // Port 9 (discard) on loopback: connection refused, retried, then given up; the backup is unaffected.
        await AppendAsync(harness, """
            notifications:
              webhooks: [ { url: "http://127.0.0.1:9/hook", on: [success, failure] } ]
            catalog: { connection: "Host=127.0.0.1;Port=9;Username=nobody;Database=none" }
            """);

        var backup = await harness.RunAsync("backup", "--server", PgArkHarness.Server, "--type", "full");

        Assert.True(backup.ExitCode == 0, backup.ToString());
    }

    [Fact]
    public async Task BackupHistory_BackupAndFailure_RowsInCatalogAndRepositoryHistory()
    {
        await using var harness = await PgArkHarness.CreateAsync();
        await harness.Cluster.CreateDatabaseAsync("ops");
        await AppendAsync(harness, $$"""
            catalog: { connection: "{{harness.Cluster.ConnectionString("ops")}}" }
            """);

        var backup = await harness.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", "full");
        var failed = await harness.RunAsync("dump", "--server", PgArkHarness.Server, "--database", "no_such_db", "--mode", "schema");

        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.True(failed.ExitCode != 0, failed.ToString());
        var manifest = JsonDocument.Parse(backup.Stdout).RootElement;
        await using var connection = await harness.Cluster.OpenAsync("ops");
        await using var command = new Npgsql.NpgsqlCommand("""
            SELECT backup_id, backup_type, "timestamp", size_bytes, checksum, status, error_message, server, operation, database_name, origin,
                   duration_seconds, stored_bytes, start_lsn::text, stop_lsn::text, host, finished_at >= started_at
            FROM backup_history ORDER BY id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            reader.GetValues(row!);
            rows.Add(row.Select(v => v is DBNull ? null : v).ToArray());
        }
        // init ran before the catalog was configured, so only these two runs reached the table.
        Assert.Equal(2, rows.Count);
        var ok = rows[0];
        Assert.Equal(manifest.GetProperty("backup_id").GetString(), ok[0]);
        Assert.Equal("full", ok[1]);
        Assert.Equal(manifest.GetProperty("size").GetInt64(), ok[3]);
        Assert.Matches("^[0-9a-f]{64}$", (string)ok[4]!);
        Assert.Equal(("success", (string?)null, PgArkHarness.Server, "backup", (string?)null, "manual"), ((string)ok[5]!, (string?)ok[6], (string)ok[7]!,
            (string)ok[8]!, (string?)ok[9], (string)ok[10]!));
        Assert.Equal(manifest.GetProperty("stored_size").GetInt64(), ok[12]);
        Assert.Equal(manifest.GetProperty("start_lsn").GetString(), ok[13]);
        Assert.Equal(manifest.GetProperty("stop_lsn").GetString(), ok[14]);
        Assert.Equal(Environment.MachineName, ok[15]);
        Assert.Equal(true, ok[16]);
        var bad = rows[1];
        Assert.Null(bad[0]);
        Assert.Equal(("schema", "failure", "dump", "no_such_db"), ((string)bad[1]!, (string)bad[5]!, (string)bad[8]!, (string)bad[9]!));
        Assert.Contains("no_such_db", (string)bad[6]!, StringComparison.Ordinal);

        // The same two runs are in the repository's own history (readable without the catalog).
        var history = new HistoryStore(Core.Operations.OperationContext.OpenRepository(Core.Configuration.ConfigLoader.Load(harness.ConfigPath).Repositories[0]));
        var records = new List<OperationRunRecord>();
        foreach (var path in await history.ListRunsAsync(PgArkHarness.Server, CancellationToken.None))
        {
            records.Add((await history.ReadRunAsync(path, CancellationToken.None))!);
        }
        Assert.Equal([("init", "success"), ("backup", "success"), ("dump", "failure")], records.Select(r => (r.Operation, r.Status)));
        Assert.Equal(manifest.GetProperty("backup_id").GetString(), records[1].BackupId);
    }
}
