using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using PgArk.Core.Errors;
using PgArk.Core.Storage;
using PgArk.Core.Storage.Posix;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Storage;

[UnsupportedOSPlatform("windows")]
public sealed class PosixStorageTests : RepositoryStorageContractTests, IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Mode0700 = Mode0600 | UnixFileMode.UserExecute;

    private readonly TemporaryFolder _folder = new();
    private readonly PosixStorage _storage;

    public PosixStorageTests()
    {
        _storage = new PosixStorage(_folder.Combine("repo"));
    }

    protected override IRepositoryStorage Storage => _storage;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Constructor_RootPath_IsLocationAndFeaturesArePosix()
    {
        Assert.Equal(_folder.Combine("repo"), _storage.Location);
        Assert.Equal(StorageFeatures.AtomicRename | StorageFeatures.Folders, _storage.Features);
        Assert.Equal(_folder.Combine("repo"), new PosixStorage(_folder.Combine("repo") + "/").Location);
    }

    [Fact]
    public async Task Write_MixOfSmallLargeSyncAndAsyncWrites_KeepsOrder()
    {
        const int buffer = PosixWriteStream.BufferSize;
        var content = RandomNumberGenerator.GetBytes((5 * buffer) + 123);
        await using (var stream = await _storage.OpenWriteAsync("big", WriteOptions.Default, Ct))
        {
            stream.Write(content, 0, 10);
            await stream.WriteAsync(content.AsMemory(10, 2 * buffer), Ct);
            stream.Write(content.AsSpan(10 + (2 * buffer), buffer + 5));
            stream.WriteByte(content[(3 * buffer) + 15]);
            await stream.WriteAsync(content.AsMemory((3 * buffer) + 16), Ct);
            await stream.CompleteAsync(Ct);
        }

        Assert.Equal(content, await ReadAsync("big"));
    }

    [Fact]
    public async Task Dispose_WithoutComplete_LeavesNoTemporaryFileOnDisk()
    {
        await using (var stream = await _storage.OpenWriteAsync("a/b", WriteOptions.Default, Ct))
        {
            await stream.WriteAsync(RandomNumberGenerator.GetBytes(1000), Ct);
            var temporary = Assert.Single(Directory.GetFiles(_folder.Combine("repo", "a")));
            Assert.StartsWith(".b.pgark-tmp.", Path.GetFileName(temporary), StringComparison.Ordinal);
        }

        Assert.Empty(Directory.GetFileSystemEntries(_folder.Combine("repo", "a")));
    }

    [Fact]
    public async Task Complete_Cancelled_LeavesNoTemporaryFileOnDisk()
    {
        using var cancellation = new CancellationTokenSource();
        await using (var stream = await _storage.OpenWriteAsync("a/b", WriteOptions.Default, Ct))
        {
            await stream.WriteAsync(new byte[] { 1, 2, 3 }, Ct);
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.CompleteAsync(cancellation.Token));
        }

        Assert.Empty(Directory.GetFileSystemEntries(_folder.Combine("repo", "a")));
    }

    [Fact]
    public async Task Write_LongName_TemporaryNameStaysWithinNameMax()
    {
        var name = new string('é', 127); // 254 bytes: valid, but with a temp prefix and suffix it would not be

        await WriteAsync($"a/{name}", [1]);

        Assert.Equal([1], await ReadAsync($"a/{name}"));
    }

    [Fact]
    public async Task Write_NewFileAndFolders_AreCreated0600And0700()
    {
        await WriteAsync("backup/20261121/pg_data/global/pg_control", [1, 2, 3]);

        Assert.Equal(Mode0600, File.GetUnixFileMode(_folder.Combine("repo", "backup/20261121/pg_data/global/pg_control")));
        foreach (var folder in new[] { "", "backup", "backup/20261121", "backup/20261121/pg_data", "backup/20261121/pg_data/global" })
        {
            Assert.Equal(Mode0700, File.GetUnixFileMode(_folder.Combine("repo", folder)));
        }
    }

    [Fact]
    public async Task Write_Replacing0644File_Leaves0600()
    {
        Directory.CreateDirectory(_folder.Combine("repo"));
        File.WriteAllText(_folder.Combine("repo", "f"), "old");
        File.SetUnixFileMode(_folder.Combine("repo", "f"), Mode0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await WriteAsync("f", [1]);

        Assert.Equal(Mode0600, File.GetUnixFileMode(_folder.Combine("repo", "f")));
    }

    [RootFact]
    public async Task Write_AsRootIntoRepositoryOwnedByPostgres_GivesNewFilesAndFoldersToPostgres()
    {
        var postgres = $"{Run("id", "-u", "postgres")}:{Run("id", "-g", "postgres")}";
        Directory.CreateDirectory(_folder.Combine("repo", "existing"));
        Run("chown", postgres, _folder.Combine("repo"));

        await WriteAsync("existing/wal/0000000100000000/000000010000000000000001", [1, 2, 3]);
        await WriteAsync("top", [4], WriteOptions.Bulk);

        Assert.NotEqual("0:0", postgres);
        Assert.Equal(postgres, Owner("existing/wal/0000000100000000/000000010000000000000001"));
        Assert.Equal(postgres, Owner("existing/wal/0000000100000000"));
        Assert.Equal(postgres, Owner("existing/wal"));
        Assert.Equal(postgres, Owner("top"));
        Assert.Equal("0:0", Owner("existing")); // a folder we did not create keeps its owner
    }

    [RootFact]
    public async Task Write_AsRootIntoRepositoryOwnedByRoot_KeepsRootOwnership()
    {
        await WriteAsync("a/b", [1]);

        Assert.Equal("0:0", Owner("a/b"));
        Assert.Equal("0:0", Owner("a"));
    }

    [Fact]
    public async Task List_UnfinishedWrite_IsNotListedThoughItsFileExists()
    {
        await WriteAsync("wal/done", [1]);
        await using var unfinished = await _storage.OpenWriteAsync("wal/pending", WriteOptions.Default, Ct);
        await unfinished.WriteAsync(new byte[] { 1 }, Ct);
        await unfinished.FlushAsync(Ct);

        Assert.Equal(["wal/done"], (await ListAsync("wal", recursive: false)).Select(e => e.Path));
        Assert.Equal(2, Directory.GetFiles(_folder.Combine("repo", "wal")).Length);
    }

    [Fact]
    public async Task List_LeftoversOfDeadWriterAndDeadFolderDelete_AreIgnored()
    {
        // What a process killed between open and rename, or during a folder delete, leaves behind.
        await WriteAsync("backup/x/file", [1]);
        File.WriteAllText(_folder.Combine("repo", "backup", "x", ".file.pgark-tmp.99999.0123456789ab"), "partial");
        File.WriteAllText(_folder.Combine("repo", "backup", ".manifest.pgark-tmp.4242.deadbeef0000"), "partial");
        Directory.CreateDirectory(_folder.Combine("repo", "backup", ".y.pgark-tmp.4242.cafe00000000", "sub"));
        File.WriteAllText(_folder.Combine("repo", "backup", ".y.pgark-tmp.4242.cafe00000000", "sub", "data"), "half-deleted");

        Assert.Equal(["backup/x/file"], (await ListAsync("", recursive: true)).Select(e => e.Path));
        Assert.Equal(["x"], await _storage.ListFoldersAsync("backup", Ct));
        await Assert.ThrowsAsync<UsageException>(() => _storage.OpenReadAsync("backup/x/.file.pgark-tmp.99999.0123456789ab", Ct));
    }

    [Fact]
    public async Task List_SymbolicLinkToFolderOutsideRepository_IsNotFollowed()
    {
        Directory.CreateDirectory(_folder.Combine("outside"));
        File.WriteAllText(_folder.Combine("outside", "secret"), "x");
        await WriteAsync("a/f", [1]);
        Directory.CreateSymbolicLink(_folder.Combine("repo", "a", "link"), _folder.Combine("outside"));

        Assert.Equal(["a/f"], (await ListAsync("", recursive: true)).Select(e => e.Path));
        Assert.Empty(await _storage.ListFoldersAsync("a", Ct));
    }

    [Fact]
    public async Task AllOperations_PathTraversal_TouchNothingOutside()
    {
        File.WriteAllText(_folder.Combine("outside"), "keep");

        await Assert.ThrowsAsync<UsageException>(() => _storage.OpenWriteAsync("../outside", WriteOptions.Default, Ct));
        await Assert.ThrowsAsync<UsageException>(() => _storage.DeleteAsync("../outside", Ct));
        await Assert.ThrowsAsync<UsageException>(() => _storage.DeleteFolderAsync("..", Ct));

        Assert.Equal("keep", File.ReadAllText(_folder.Combine("outside")));
        Assert.False(Directory.Exists(_folder.Combine("repo")));
    }

    [Fact]
    public async Task OpenRead_Folder_ThrowsOperationFailed()
    {
        await WriteAsync("a/b", [1]);

        var exception = await Assert.ThrowsAsync<OperationFailedException>(() => _storage.OpenReadAsync("a", Ct));

        Assert.StartsWith($"unable to open file '{_storage.Location}/a' for read: ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenWrite_UnderAFile_NamesTheFolderItCouldNotCreate()
    {
        await WriteAsync("a", [1]);

        var exception = await Assert.ThrowsAsync<OperationFailedException>(() => _storage.OpenWriteAsync("a/b", WriteOptions.Default, Ct));

        Assert.StartsWith($"unable to create folder '{_storage.Location}/a': ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteFolder_Tree_LeavesNoTemporaryFolderBehind()
    {
        await WriteAsync("backup/x/a/b", [1]);
        await WriteAsync("backup/y", [1]);

        await _storage.DeleteFolderAsync("backup/x", Ct);

        Assert.Equal(["y"], Directory.GetFileSystemEntries(_folder.Combine("repo", "backup")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task SyncFolder_ExistingAndRoot_Succeed_MissingThrowsNotFound()
    {
        await WriteAsync("a/b/c", [1], WriteOptions.Bulk);

        await _storage.SyncFolderAsync("a/b", Ct);
        await _storage.SyncFolderAsync("", Ct);
        var exception = await Assert.ThrowsAsync<NotFoundException>(() => _storage.SyncFolderAsync("x", Ct));

        Assert.Equal($"unable to sync missing folder '{_storage.Location}/x'", exception.Message);
    }

    private string Owner(string path) => Run("stat", "-c", "%u:%g", _folder.Combine("repo", path));

    private static string Run(string fileName, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
