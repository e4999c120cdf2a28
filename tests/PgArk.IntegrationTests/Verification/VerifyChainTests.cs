using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Verification;

/// <summary><c>verify</c> proves restorability: every page delta is rebuilt through its chain and checked as a whole file.</summary>
public class VerifyChainTests
{
    /// <summary>
    /// A delta object altered and its manifest hash updated to match: every stored object is intact on its own, only the
    /// rebuilt file's SHA-256 shows the backup cannot be restored. verify must say so (exit 5), as restore would.
    /// </summary>
    [Fact]
    public async Task DeltaConsistentOnItsOwn_ButRebuiltFileWrong_VerifyExits5_NamingTheFile()
    {
        await using var h = await PgArkHarness.CreateAsync(compression: "none");
        await h.Cluster.ExecuteAsync("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 50000) g; CHECKPOINT");
        var relation = (await h.Cluster.ScalarAsync<string>("SELECT pg_relation_filepath('t')"))!;
        var full = await BackupIdAsync(h, "full");
        await h.Cluster.ExecuteAsync("UPDATE t SET v = 'changed' WHERE id % 100 = 0; CHECKPOINT");
        var incr = await BackupIdAsync(h, "incr");
        var verifyOk = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verifyOk.ExitCode == 0, verifyOk.ToString());

        var backupFolder = Path.Combine(h.RepositoryPath, "servers", PgArkHarness.Server, "backups", incr);
        var deltaPath = Path.Combine(backupFolder, "data", relation + ".pgdelta");
        Assert.True(File.Exists(deltaPath), $"{relation} is stored as a page delta in {incr}");
        var delta = await File.ReadAllBytesAsync(deltaPath);
        // Header is 12 bytes, then u32 block + page: flip a byte inside the first stored page.
        delta[12 + 4 + 4000] ^= 0x5A;
        await File.WriteAllBytesAsync(deltaPath, delta);
        var manifestPath = Path.Combine(backupFolder, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        var entry = manifest["files"]!.AsArray().Single(f => f!["path"]!.GetValue<string>() == relation)!;
        entry["delta"]!["sha256"] = Convert.ToHexStringLower(SHA256.HashData(delta));
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        var verify = await h.RunAsync("verify", "--server", PgArkHarness.Server);
        Assert.True(verify.ExitCode == 5, verify.ToString());
        Assert.Contains($"backup {incr}: '{relation}'", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("cannot be restored", verify.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"backup {full}:", verify.Stdout, StringComparison.Ordinal);

        var restore = await h.RunAsync("restore", "--server", PgArkHarness.Server, "--pgdata", h.Folder.Combine("r"), "--backup", incr);
        Assert.True(restore.ExitCode == 5, restore.ToString());
    }

    private static async Task<string> BackupIdAsync(PgArkHarness h, string type)
    {
        var run = await h.RunAsync("--output", "json", "backup", "--server", PgArkHarness.Server, "--type", type);
        Assert.True(run.ExitCode == 0, run.ToString());
        return System.Text.Json.JsonDocument.Parse(run.Stdout).RootElement.GetProperty("backup_id").GetString()!;
    }
}
