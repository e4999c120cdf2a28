using System.Text;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Notifications.Alerts;
using PgArk.Core.Storage;
using PgArk.Core.Storage.Encryption;
using PgArk.Core.Storage.Posix;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Catalog;

/// <summary>A state file of an encrypted repository put back to an older copy of itself (whole-file rollback).</summary>
public sealed class RollbackGuardTests
{
    private static readonly EncryptionKeySource s_key = new(EncryptionKeyKind.Passphrase, Encoding.UTF8.GetBytes("rollback test"), "test");

    private static Repository Open(string folder, string? stateFolder) =>
        new("test", new EncryptedStorage(new PosixStorage(folder), s_key, 100_000, "test"), CompressionType.None, 0)
        {
            Rollback = stateFolder is null ? null : new RollbackGuard(stateFolder),
        };

    private static AlertState State(string message) => new()
    {
        Server = "pg1",
        EvaluatedAt = DateTimeOffset.UnixEpoch,
        Active = [new AlertStateEntry("wal_lag", message, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)],
    };

    private static async Task<string> PlainAsync(Repository repository, string path)
    {
        await using var stream = await repository.Storage.OpenReadAsync(path, CancellationToken.None);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task AlertState_OlderCopyPutBack_RefusedAsDamage_NothingElseNeeded()
    {
        using var repo = new TemporaryFolder();
        using var state = new TemporaryFolder();
        var path = AlertStateStore.PathOf("pg1");
        var file = repo.Combine(path.Split('/'));
        var store = new AlertStateStore(Open(repo.Path, state.Path), "pg1");

        await store.SaveAsync(State("first"), CancellationToken.None);
        var old = await File.ReadAllBytesAsync(file);
        await store.SaveAsync(State("second"), CancellationToken.None);
        Assert.Equal("second", (await store.LoadAsync(CancellationToken.None))!.Active[0].Message);

        // The attacker keeps an older copy of the file (valid ciphertext, right path) and puts it back.
        await File.WriteAllBytesAsync(file, old);
        var reopened = new AlertStateStore(Open(repo.Path, state.Path), "pg1");
        var ex = await Assert.ThrowsAsync<RepositoryRollbackException>(() => reopened.LoadAsync(CancellationToken.None));
        Assert.Equal(ErrorKind.Integrity, ex.Kind);
        Assert.StartsWith($"repository file '{path}' in {repo.Path} was rolled back: it holds generation 1, but this machine has already seen generation 2 of it",
            ex.Message, StringComparison.Ordinal);
        Assert.Contains(new RollbackGuard(state.Path).MarkFile(repo.Path, path), ex.Hint, StringComparison.Ordinal);

        // The next write goes above the mark, whatever the rolled-back file says, and reads back.
        await reopened.SaveAsync(State("third"), CancellationToken.None);
        Assert.Equal("third", (await reopened.LoadAsync(CancellationToken.None))!.Active[0].Message);
        Assert.Equal(3, RollbackGuard.GenerationOf(Encoding.UTF8.GetBytes(await PlainAsync(Open(repo.Path, null), path))));
    }

    [Fact]
    public async Task FileFromBeforeGenerations_Reads_NextWriteAddsOne_ThenPuttingTheOldFileBackIsRefused()
    {
        using var repo = new TemporaryFolder();
        using var state = new TemporaryFolder();
        var path = AlertStateStore.PathOf("pg1");
        var file = repo.Combine(path.Split('/'));
        // Written as a pgark before rollback detection wrote it: no generation.
        var plainRepository = Open(repo.Path, null);
        await plainRepository.WriteJsonAsync(path, State("old pgark"), CancellationToken.None);
        Assert.DoesNotContain("generation", await PlainAsync(plainRepository, path), StringComparison.Ordinal);
        var legacy = await File.ReadAllBytesAsync(file);

        var store = new AlertStateStore(Open(repo.Path, state.Path), "pg1");
        Assert.Equal("old pgark", (await store.LoadAsync(CancellationToken.None))!.Active[0].Message);
        await store.SaveAsync(State("new pgark"), CancellationToken.None);
        Assert.Equal(1, RollbackGuard.GenerationOf(Encoding.UTF8.GetBytes(await PlainAsync(plainRepository, path))));

        await File.WriteAllBytesAsync(file, legacy);
        var ex = await Assert.ThrowsAsync<RepositoryRollbackException>(() => store.LoadAsync(CancellationToken.None));
        Assert.Contains("holds generation 0, but this machine has already seen generation 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherMachine_WithoutAMark_AcceptsWhatItFindsFirst_AndContinuesFromTheStoredGeneration()
    {
        using var repo = new TemporaryFolder();
        using var first = new TemporaryFolder();
        using var second = new TemporaryFolder();
        var path = AlertStateStore.PathOf("pg1");
        await new AlertStateStore(Open(repo.Path, first.Path), "pg1").SaveAsync(State("a"), CancellationToken.None);
        await new AlertStateStore(Open(repo.Path, first.Path), "pg1").SaveAsync(State("b"), CancellationToken.None);

        var other = new AlertStateStore(Open(repo.Path, second.Path), "pg1");
        Assert.Equal("b", (await other.LoadAsync(CancellationToken.None))!.Active[0].Message);
        Assert.Equal(2, await new RollbackGuard(second.Path).GetAsync(repo.Path, path, CancellationToken.None));
        await other.SaveAsync(State("c"), CancellationToken.None);
        Assert.Equal(3, RollbackGuard.GenerationOf(Encoding.UTF8.GetBytes(await PlainAsync(Open(repo.Path, null), path))));
    }

    [Theory]
    [InlineData("servers/pg1/schedule-state.json", true)]
    [InlineData("servers/pg1/alerts-state.json", true)]
    [InlineData("stores/qdrant1/schedule-state.json", true)]
    [InlineData("sets/schedule-state.json", true)]
    [InlineData("servers/pg1/server.json", false)]
    [InlineData("pgark-repository.json", false)]
    [InlineData("servers/pg1/backups/20261121-020000F/manifest.json", false)]
    [InlineData("servers/pg1/history/20261121-020000-123-backup.run.json", false)]
    [InlineData("servers/pg1/wal/00000001/0000000100000000/000000010000000000000001-ab.zst", false)]
    public void IsMutable_OnlyTheFilesRewrittenInPlace(string path, bool mutable) => Assert.Equal(mutable, RollbackGuard.IsMutable(path));
}
