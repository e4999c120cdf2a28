using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Operations;
using PgArk.Core.Stores;

namespace PgArk.Tests.Stores;

/// <summary>Qdrant backups against <see cref="QdrantStandIn"/> (Qdrant's REST API v1.x; verified against the stand-in, not a real Qdrant).</summary>
public sealed class QdrantStoreTests
{
    private const string Key = "s3cr3t-key";

    private static StoreTestSetup Setup(QdrantStandIn qdrant, string keyFile, string compression = "zstd", string extra = "") => new($"""
          - name: vectors
            type: qdrant
            url: {qdrant.BaseAddress}
            apiKeyFile: {keyFile}
            collections: [docs, chunks]
        {extra}
        """, compression);

    private static string KeyFile(string key)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pgark-qdrant-key-{Guid.NewGuid():N}");
        File.WriteAllText(path, key + "\n");
        return path;
    }

    [Fact]
    public async Task Qdrant_BackupVerifyRestoreValidate_RoundTrip()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, Key);
        qdrant.AddCollection("docs", 3);
        qdrant.AddCollection("chunks", 5, size: 8, distance: "Dot");
        var keyFile = KeyFile(Key);
        using var setup = Setup(qdrant, keyFile);

        var backup = (BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "vectors", label = "nightly" })).Value!;

        Assert.Equal(["docs", "chunks"], backup.Backup.Items.Select(i => i.Name));
        Assert.All(backup.Backup.Items, i => Assert.Equal(i.SourceChecksum, i.Sha256));
        Assert.Equal(3, backup.Backup.Items[0].Counts["points"]);
        Assert.Equal("""{"size":8,"distance":"Dot"}""", backup.Backup.Items[1].Config);
        Assert.Empty(qdrant.SnapshotFiles());
        Assert.Contains(qdrant.Requests, r => r.StartsWith("DELETE /collections/docs/snapshots/", StringComparison.Ordinal));

        var listed = (ListStoreBackupsResult)(await setup.RunAsync("list_store_backups", new { })).Value!;
        Assert.Equal(("vectors", "qdrant", backup.Backup.Id), (listed.Stores.Single().Store, listed.Stores.Single().Kind, listed.Stores.Single().Backups.Single().Id));

        var verify = await setup.RunAsync("verify_store", new { store = "vectors" });
        Assert.False(verify.Verdict.Failed);
        Assert.Empty(((VerifyStoreResult)verify.Value!).Problems);

        // Lose data, then restore it from the backup.
        qdrant.AddCollection("docs", 0);
        qdrant.Collections.Remove("chunks");
        var restore = await setup.RunAsync("restore_store", new { store = "vectors", confirm = true });
        var restored = (RestoreStoreResult)restore.Value!;
        Assert.False(restore.Verdict.Failed, restore.Verdict.Failure);
        Assert.Equal(["docs", "chunks"], restored.Restored);
        Assert.All(restored.Validations, v => Assert.Empty(v.Problems));
        Assert.Equal(3, qdrant.Collections["docs"].Points.Count);
        Assert.Contains(qdrant.Requests, r => r.StartsWith("POST /collections/chunks/snapshots/upload?priority=snapshot&wait=true&checksum=", StringComparison.Ordinal));

        // A validation that finds a difference fails like an integrity problem.
        qdrant.AddCollection("docs", 2);
        var validate = await setup.RunAsync("validate_store", new { store = "vectors" });
        Assert.Equal(ErrorKind.Integrity, validate.Verdict.Kind);
        Assert.Equal("collection 'docs' has 2 points, the backup recorded 3", validate.Verdict.Failure);

        var history = new HistoryStore(setup.Context.StoreCatalogFor(setup.Context.Options.GetStore("vectors")).Repository);
        var runs = await history.ListStoreRunsAsync("vectors", CancellationToken.None);
        Assert.Equal(4, runs.Count);
        var first = await history.ReadRunAsync(runs[0], CancellationToken.None);
        Assert.Equal(("backup_store", "vectors", backup.Backup.Id, RunStatus.Success), (first!.Operation, first.Store, first.BackupId, first.Status));
        File.Delete(keyFile);
    }

    [Fact]
    public async Task Qdrant_CorruptedSnapshot_VerifyExits5_AndRestoreRefuses()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, Key);
        qdrant.AddCollection("docs", 3);
        qdrant.AddCollection("chunks", 4);
        var keyFile = KeyFile(Key);
        using var setup = Setup(qdrant, keyFile, compression: "none");
        var backup = (BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "vectors" })).Value!;
        var stored = Directory.GetFiles(setup.RepositoryPath, "0001-docs.snapshot", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(stored);
        bytes[bytes.Length / 2] ^= 0x20;
        File.WriteAllBytes(stored, bytes);

        var (exit, _, stderr) = await setup.CliAsync("verify-store", "vectors");
        Assert.Equal(5, exit);
        Assert.Contains($"store backup '{backup.Backup.Id}' of store 'vectors' artifact '0001-docs.snapshot' (docs) does not match its manifest", stderr);

        qdrant.AddCollection("docs", 1);
        var refused = await Assert.ThrowsAsync<IntegrityException>(() => setup.RunAsync("restore_store", new { store = "vectors", confirm = true }));
        Assert.Equal(5, refused.ExitCode);
        Assert.StartsWith($"refusing to restore store 'vectors' from backup '{backup.Backup.Id}': ", refused.Message);
        Assert.Single(qdrant.Collections["docs"].Points);
        Assert.DoesNotContain(qdrant.Requests, r => r.Contains("/upload", StringComparison.Ordinal));
        File.Delete(keyFile);
    }

    [Fact]
    public async Task Qdrant_WrongApiKey_FailsWithClearMessage()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, Key);
        qdrant.AddCollection("docs", 3);
        var keyFile = KeyFile("not-the-key");
        using var setup = Setup(qdrant, keyFile);

        var error = await Assert.ThrowsAsync<StoreRequestException>(() => setup.RunAsync("backup_store", new { store = "vectors" }));

        Assert.Equal($"Qdrant store 'vectors' at {qdrant.BaseAddress} rejected the API key (HTTP 401: Invalid API key or JWT)", error.Message);
        Assert.Equal("check the key given by stores[].apiKey, apiKeyEnv or apiKeyFile", error.Hint);
        Assert.DoesNotContain("not-the-key", error.Message, StringComparison.Ordinal);
        Assert.Empty(await setup.Context.StoreCatalogFor(setup.Context.Options.GetStore("vectors")).ListAsync("vectors", CancellationToken.None));
        File.Delete(keyFile);
    }

    [Fact]
    public async Task Qdrant_UnknownCollection_IsNotFound()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, Key);
        qdrant.AddCollection("docs", 3);
        var keyFile = KeyFile(Key);
        using var setup = Setup(qdrant, keyFile);

        var (exit, _, stderr) = await setup.CliAsync("backup-store", "vectors");

        Assert.Equal(3, exit);
        Assert.Contains("collection 'chunks' not found on Qdrant store 'vectors'", stderr);
        Assert.Contains("Collection `chunks` doesn't exist!", stderr);
        Assert.Empty(qdrant.SnapshotFiles());
        File.Delete(keyFile);
    }

    [Fact]
    public async Task Qdrant_EncryptedRepository_StoresCiphertext_AndRestores()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, apiKey: null);
        qdrant.AddCollection("docs", 6);
        var keyFile = Path.Combine(server.Path, "repo.key");
        File.WriteAllText(keyFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        using var setup = new StoreTestSetup($"""
              - name: vectors
                type: qdrant
                url: {qdrant.BaseAddress}
            """, compression: "none", repositoryExtra: $"encryption: {{ keyFile: {keyFile} }}");

        var backup = (BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "vectors" })).Value!;
        var stored = Directory.GetFiles(setup.RepositoryPath, "0001-docs.snapshot", SearchOption.AllDirectories).Single();
        Assert.DoesNotContain("collection.json", System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(stored)), StringComparison.Ordinal);
        Assert.Equal(backup.Backup.Items[0].SourceChecksum, backup.Backup.Items[0].Sha256);

        qdrant.Collections.Remove("docs");
        var restore = await setup.RunAsync("restore_store", new { store = "vectors", confirm = true });
        Assert.False(restore.Verdict.Failed, restore.Verdict.Failure);
        Assert.Equal(6, qdrant.Collections["docs"].Points.Count);
    }

    [Fact]
    public async Task Qdrant_FullStorage_RecordsEveryCollection_AndRestoreIsRefused()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, apiKey: null);
        qdrant.AddCollection("docs", 3);
        qdrant.AddCollection("chunks", 7);
        using var setup = new StoreTestSetup($"""
              - name: vectors
                type: qdrant
                url: {qdrant.BaseAddress}
                fullStorage: true
            """);

        var backup = (BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "vectors" })).Value!;

        var item = backup.Backup.Items.Single();
        Assert.Equal(("*", "0001-_.snapshot"), (item.Name, item.File));
        Assert.Equal(new Dictionary<string, long> { ["points:chunks"] = 7, ["points:docs"] = 3 }, item.Counts);
        Assert.Contains(qdrant.Requests, r => r.StartsWith("DELETE /snapshots/", StringComparison.Ordinal));
        Assert.Empty(qdrant.SnapshotFiles());
        Assert.False((await setup.RunAsync("validate_store", new { store = "vectors" })).Verdict.Failed);

        var refused = await Assert.ThrowsAsync<RefusedException>(() => setup.RunAsync("restore_store", new { store = "vectors", confirm = true }));
        Assert.Equal("a full-storage snapshot of Qdrant store 'vectors' cannot be restored through the REST API", refused.Message);
        Assert.StartsWith("restore it by starting Qdrant with --storage-snapshot", refused.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qdrant_Retention_KeepsTheNewest_AfterEachBackup()
    {
        using var server = new TestDoubles.TemporaryFolder();
        await using var qdrant = new QdrantStandIn(server.Path, apiKey: null);
        qdrant.AddCollection("docs", 1);
        using var setup = new StoreTestSetup($"""
              - name: vectors
                type: qdrant
                url: {qdrant.BaseAddress}
                retention:
                  keep: 1
            """);

        var first = (BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "vectors" })).Value!;
        var second = (BackupStoreResult)(await setup.RunAsync("backup_store", new { store = "vectors" })).Value!;

        Assert.Empty(first.Expired);
        Assert.Equal([first.Backup.Id], second.Expired);
        var listed = (ListStoreBackupsResult)(await setup.RunAsync("list_store_backups", new { store = "vectors" })).Value!;
        Assert.Equal([second.Backup.Id], listed.Stores.Single().Backups.Select(b => b.Id));
        Assert.False(Directory.Exists(Path.Combine(setup.RepositoryPath, "stores", "vectors", "backups", first.Backup.Id)));
    }
}
