using System.Security.Cryptography;
using System.Text;
using PgArk.Core.Errors;
using PgArk.Core.Storage;
using PgArk.Core.Storage.Encryption;
using PgArk.Core.Storage.Posix;
using PgArk.Tests.Configuration;

namespace PgArk.Tests.Storage;

public sealed class EncryptedStorageTests
{
    // The minimum count keeps these tests fast; the format does not depend on it.
    private const int Iterations = 100_000;

    private static EncryptionKeySource Passphrase(string text) =>
        new(EncryptionKeyKind.Passphrase, Encoding.UTF8.GetBytes(text), "environment variable TEST_PASS");

    private static EncryptedStorage Open(string path, EncryptionKeySource key) => new(new PosixStorage(path), key, Iterations, "test");

    [Fact]
    public async Task WriteThenRead_RoundTrips_AndStoresNoPlainText()
    {
        using var folder = new TempFolder();
        var storage = Open(folder.Path, Passphrase("right"));
        await WriteAsync(storage, "a/b.txt", "secret-row-value-314159");

        Assert.Equal("secret-row-value-314159", await ReadAsync(Open(folder.Path, Passphrase("right")), "a/b.txt"));
        var raw = await File.ReadAllBytesAsync(Path.Combine(folder.Path, "a/b.txt"));
        Assert.Equal(-1, raw.AsSpan().IndexOf("secret-row-value"u8));
        Assert.True(File.Exists(Path.Combine(folder.Path, EncryptedStorage.KeyFileName)));
        var listed = new List<string>();
        await foreach (var entry in storage.ListAsync("", recursive: true, CancellationToken.None))
        {
            listed.Add(entry.Path);
        }
        Assert.Equal(["a/b.txt"], listed);
    }

    [Fact]
    public async Task WrongPassphrase_FailsBeforeWritingOrDeleting()
    {
        using var folder = new TempFolder();
        await WriteAsync(Open(folder.Path, Passphrase("right")), "a/b.txt", "content");
        var before = Snapshot(folder.Path);
        var wrong = Open(folder.Path, Passphrase("wrong"));

        var ex = await Assert.ThrowsAsync<IntegrityException>(() => WriteAsync(wrong, "a/c.txt", "more"));
        Assert.Equal(5, ex.ExitCode);
        Assert.Equal($"wrong passphrase for encrypted repository 'test' ({folder.Path}): the key check failed", ex.Message);
        await Assert.ThrowsAsync<IntegrityException>(() => wrong.DeleteFolderAsync("a", CancellationToken.None));
        await Assert.ThrowsAsync<IntegrityException>(() => ReadAsync(wrong, "a/b.txt"));
        Assert.Equal(before, Snapshot(folder.Path));
    }

    [Fact]
    public async Task EncryptingARepositoryWithPlainData_IsRefused()
    {
        using var folder = new TempFolder();
        await WriteAsync(new PosixStorage(folder.Path), "pgark-repository.json", "{}");

        var ex = await Assert.ThrowsAsync<RefusedException>(() => WriteAsync(Open(folder.Path, Passphrase("p")), "x", "y"));
        Assert.Equal($"repository 'test' ({folder.Path}) already holds unencrypted data; refusing to encrypt into it", ex.Message);
        Assert.False(File.Exists(Path.Combine(folder.Path, EncryptedStorage.KeyFileName)));
    }

    [Fact]
    public async Task PlainConfigurationOnEncryptedRepository_IsRefused()
    {
        using var folder = new TempFolder();
        await WriteAsync(Open(folder.Path, Passphrase("p")), "x", "y");

        var ex = await Assert.ThrowsAsync<RefusedException>(() => ReadAsync(new PlaintextGuardStorage(new PosixStorage(folder.Path), "test"), "x"));
        Assert.Equal($"repository 'test' ({folder.Path}) is encrypted, but its configuration has no encryption", ex.Message);
    }

    [Fact]
    public async Task KeyFile_RoundTrips_AndAPassphraseCannotOpenIt()
    {
        using var folder = new TempFolder();
        var key = new EncryptionKeySource(EncryptionKeyKind.KeyFile, RandomNumberGenerator.GetBytes(32), "key file /k");
        await WriteAsync(Open(folder.Path, key), "f", "content");

        Assert.Equal("content", await ReadAsync(Open(folder.Path, key), "f"));
        await Assert.ThrowsAsync<ConfigurationException>(() => ReadAsync(Open(folder.Path, Passphrase("p")), "f"));
        var other = new EncryptionKeySource(EncryptionKeyKind.KeyFile, RandomNumberGenerator.GetBytes(32), "key file /k");
        await Assert.ThrowsAsync<IntegrityException>(() => ReadAsync(Open(folder.Path, other), "f"));
    }

    [Fact]
    public async Task ReadOnEmptyEncryptedRepository_IsNotFound_AndCreatesNothing()
    {
        using var folder = new TempFolder();
        var storage = Open(folder.Path, Passphrase("p"));
        Assert.Null(await storage.GetInfoAsync("x", CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(() => ReadAsync(storage, "x"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public async Task UncompletedWrite_LeavesNothing()
    {
        using var folder = new TempFolder();
        var storage = Open(folder.Path, Passphrase("p"));
        var write = await storage.OpenWriteAsync("f", WriteOptions.Default, CancellationToken.None);
        await write.WriteAsync(new byte[200_000]);
        await write.DisposeAsync();
        Assert.Null(await storage.GetInfoAsync("f", CancellationToken.None));
    }

    [Fact]
    public async Task ForgedEnvelope_HugeIterationCount_RefusedBeforeAnyDerivation()
    {
        using var original = new TempFolder();
        await WriteAsync(Open(original.Path, Passphrase("right")), "a/b.txt", "row");
        // A copy at a new path, so no key cached for the original location is reused.
        using var forged = new TempFolder();
        foreach (var file in Directory.EnumerateFiles(original.Path, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(forged.Path, Path.GetRelativePath(original.Path, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var envelope = Path.Combine(forged.Path, RepositoryKeyStore.EnvelopeFile);
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(envelope))!.AsObject();
        var name = json.Select(p => p.Key).Single(k => k.Equals("iterations", StringComparison.OrdinalIgnoreCase));
        json[name] = int.MaxValue;
        await File.WriteAllTextAsync(envelope, json.ToJsonString());

        var e = await Assert.ThrowsAsync<IntegrityException>(() => ReadAsync(Open(forged.Path, Passphrase("right")), "a/b.txt"));
        Assert.StartsWith($"the key file {RepositoryKeyStore.EnvelopeFile} of encrypted repository 'test' (", e.Message, StringComparison.Ordinal);
        Assert.EndsWith(") is damaged", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwappedFiles_EachReadFailsNamingIt()
    {
        using var folder = new TempFolder();
        var storage = Open(folder.Path, Passphrase("p"));
        await WriteAsync(storage, "backups/b1/data/base/1/16384", "relation one");
        await WriteAsync(storage, "backups/b1/data/base/1/16385", "relation two");
        var first = Path.Combine(folder.Path, "backups/b1/data/base/1/16384");
        var second = Path.Combine(folder.Path, "backups/b1/data/base/1/16385");
        File.Move(first, first + ".x");
        File.Move(second, first);
        File.Move(first + ".x", second);

        foreach (var path in new[] { "backups/b1/data/base/1/16384", "backups/b1/data/base/1/16385" })
        {
            var ex = await Assert.ThrowsAsync<IntegrityException>(() => ReadAsync(Open(folder.Path, Passphrase("p")), path));
            Assert.Equal($"repository file '{folder.Path.TrimEnd('/')}/{path}' failed authentication at encrypted chunk 0: it was altered, was written under another path (moved, renamed or swapped with another file), or belongs to another repository", ex.Message);
        }
    }

    [Fact]
    public async Task RenamedFile_ReadFails_RewrittenUnderTheNewPath_Reads()
    {
        using var folder = new TempFolder();
        var storage = Open(folder.Path, Passphrase("p"));
        await WriteAsync(storage, "wal/000000010000000000000001", "segment");
        File.Move(Path.Combine(folder.Path, "wal/000000010000000000000001"), Path.Combine(folder.Path, "wal/000000010000000000000002"));

        await Assert.ThrowsAsync<IntegrityException>(() => ReadAsync(storage, "wal/000000010000000000000002"));
        // A file PgArk writes lands under its final path, whatever temporary name the driver used on the way.
        await WriteAsync(storage, "wal/000000010000000000000003", "segment 3");
        Assert.Equal("segment 3", await ReadAsync(Open(folder.Path, Passphrase("p")), "wal/000000010000000000000003"));
    }

    [Fact]
    public async Task RepositoryFromBeforeFormat2_StaysReadable_NewWritesAreFormat2()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, RepositoryKeyStore.EnvelopeFile), Codecs.EncryptedFormat1Fixture.Envelope);
        Directory.CreateDirectory(Path.Combine(folder.Path, "backups/old/data"));
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "backups/old/data/16384"), Codecs.EncryptedFormat1Fixture.File);
        var key = new EncryptionKeySource(EncryptionKeyKind.KeyFile, Codecs.EncryptedFormat1Fixture.KeyFileSecret, "key file /k");
        var storage = Open(folder.Path, key);

        var stream = await storage.OpenReadAsync("backups/old/data/16384", CancellationToken.None);
        using var plain = new MemoryStream();
        await using (stream)
        {
            await stream.CopyToAsync(plain);
        }
        Assert.Equal(Codecs.EncryptedFormat1Fixture.Content, plain.ToArray());

        await WriteAsync(storage, "backups/new/data/16384", "new");
        Assert.Equal(PgArk.Core.Codecs.EncryptionFormat.Version, (await File.ReadAllBytesAsync(Path.Combine(folder.Path, "backups/new/data/16384")))[8]);
        Assert.Equal("new", await ReadAsync(Open(folder.Path, key), "backups/new/data/16384"));
    }

    [Fact]
    public async Task NewRepository_RefusesAFormat1File_AndItsMinimumCannotBeRemoved()
    {
        using var folder = new TempFolder();
        await WriteAsync(Open(folder.Path, Passphrase("p")), "a", "content");
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "b"), Codecs.EncryptedFormat1Fixture.File);

        var ex = await Assert.ThrowsAsync<IntegrityException>(() => ReadAsync(Open(folder.Path, Passphrase("p")), "b"));
        Assert.Equal($"repository file '{folder.Path.TrimEnd('/')}/b' has encryption format 1, which does not bind its path, but its repository was created with format 2: the file was replaced", ex.Message);

        var envelope = Path.Combine(folder.Path, RepositoryKeyStore.EnvelopeFile);
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(envelope))!.AsObject();
        Assert.True(json.Remove("minimumFileFormat"));
        await File.WriteAllTextAsync(envelope, json.ToJsonString());
        await Assert.ThrowsAsync<IntegrityException>(() => ReadAsync(Open(folder.Path, Passphrase("p")), "a"));
    }

    private static async Task WriteAsync(IRepositoryStorage storage, string path, string content)
    {
        var write = await storage.OpenWriteAsync(path, WriteOptions.Default, CancellationToken.None);
        await using (write)
        {
            await write.WriteAsync(Encoding.UTF8.GetBytes(content));
            await write.CompleteAsync(CancellationToken.None);
        }
    }

    private static async Task<string> ReadAsync(IRepositoryStorage storage, string path)
    {
        var stream = await storage.OpenReadAsync(path, CancellationToken.None);
        await using (stream)
        {
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync();
        }
    }

    private static string Snapshot(string root) => string.Join("\n", Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal).Select(f => $"{f} {new FileInfo(f).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));
}
