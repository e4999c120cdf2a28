using System.Buffers.Binary;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Wal;

/// <summary>archive-push / archive-get through the CLI against a real posix repository (no server needed).</summary>
public sealed class ArchiveCommandTests : IDisposable
{
    private const ulong SystemIdentifier = 7310000000000000001;
    private readonly TempFolder _folder = TempFolder.Create();
    private readonly string _config;
    private readonly string _repository;

    public ArchiveCommandTests()
    {
        _repository = _folder.Combine("repo");
        _config = _folder.Combine("pgark.yaml");
        File.WriteAllText(_config, $"""
            repositories:
              - name: local
                path: {_repository}
            servers:
              - name: pg1
                connection: "Host=/tmp;Port=1"
                pgdata: /tmp/unused
            """);
        var record = Path.Combine(_repository, "servers", "pg1", "server.json");
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        File.WriteAllText(record,
            $$"""{"format":1,"name":"pg1","systemIdentifier":{{SystemIdentifier}},"pgVersionNum":150018,"walSegmentSize":16777216,"createdAt":"2026-11-21T00:00:00+00:00"}""");
    }

    public void Dispose() => _folder.Dispose();

    private Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(["--config", _config, .. args]);

    /// <summary>A 16 MB segment whose first page carries a long header (system identifier and segment size), then noise.</summary>
    private string WriteSegment(string name, int seed, ulong systemIdentifier = SystemIdentifier)
    {
        var content = new byte[16 * 1024 * 1024];
        new Random(seed).NextBytes(content.AsSpan(8192, 65536));
        BinaryPrimitives.WriteUInt16LittleEndian(content, 0xD110);
        BinaryPrimitives.WriteUInt16LittleEndian(content.AsSpan(2), 0x0002);
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(24), systemIdentifier);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(32), 16 * 1024 * 1024);
        var folder = _folder.Combine($"pg_wal_{seed}");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string[] StoredFiles() => Directory.GetFiles(Path.Combine(_repository, "servers", "pg1", "wal"), "*", SearchOption.AllDirectories);

    [Fact]
    public async Task Push_ThenGet_ReturnsIdenticalBytes()
    {
        var segment = WriteSegment("000000010000000000000003", 1);
        Assert.Equal(0, (await RunAsync("archive-push", "--server", "pg1", segment)).ExitCode);
        var stored = Assert.Single(StoredFiles());
        Assert.Matches("/wal/00000001/00000000/000000010000000000000003-[0-9a-f]{64}\\.zst$", stored);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stored));

        var destination = _folder.Combine("RECOVERYXLOG");
        var get = await RunAsync("archive-get", "--server", "pg1", "000000010000000000000003", destination);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(destination));
    }

    [Fact]
    public async Task Push_SameContentTwice_Succeeds()
    {
        var segment = WriteSegment("000000010000000000000004", 2);
        Assert.Equal(0, (await RunAsync("archive-push", "--server", "pg1", segment)).ExitCode);
        var again = await RunAsync("archive-push", "--server", "pg1", segment);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already archived with identical content", again.Stderr, StringComparison.Ordinal);
        Assert.Single(StoredFiles());
    }

    [Fact]
    public async Task Push_DifferentContentSameName_Exit5_AndTouchesNothing()
    {
        Assert.Equal(0, (await RunAsync("archive-push", "--server", "pg1", WriteSegment("000000010000000000000005", 3))).ExitCode);
        var before = StoredFiles().Select(f => (f, File.ReadAllBytes(f))).ToList();
        var run = await RunAsync("archive-push", "--server", "pg1", WriteSegment("000000010000000000000005", 4));
        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.StartsWith("pgark: WAL file 000000010000000000000005 is already in repository 'local' with different content", run.Stderr, StringComparison.Ordinal);
        var after = StoredFiles().Select(f => (f, File.ReadAllBytes(f))).ToList();
        Assert.Equal(before.Select(b => b.f), after.Select(a => a.f));
        Assert.True(before.Zip(after).All(p => p.First.Item2.AsSpan().SequenceEqual(p.Second.Item2)));
    }

    [Fact]
    public async Task Push_SegmentOfAnotherCluster_Exit5()
    {
        var run = await RunAsync("archive-push", "--server", "pg1", WriteSegment("000000010000000000000006", 5, systemIdentifier: 42));
        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("belongs to the cluster with system identifier 42", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(Path.Combine(_repository, "servers", "pg1", "wal")) ? StoredFiles() : []);
    }

    [Fact]
    public async Task Push_HistoryPartialAndBackupFiles_AreStoredAndFetched()
    {
        foreach (var name in new[] { "00000002.history", "000000010000000000000007.partial", "000000010000000000000007.00000028.backup" })
        {
            var path = _folder.Combine(name);
            await File.WriteAllTextAsync(path, $"content of {name}\n");
            var push = await RunAsync("archive-push", "--server", "pg1", path);
            Assert.True(push.ExitCode == 0, push.ToString());
            var destination = _folder.Combine("fetched-" + name);
            Assert.Equal(0, (await RunAsync("archive-get", "--server", "pg1", name, destination)).ExitCode);
            Assert.Equal($"content of {name}\n", await File.ReadAllTextAsync(destination));
        }
    }

    [Fact]
    public async Task Get_Missing_Exit3_AndWritesNothing()
    {
        var destination = _folder.Combine("RECOVERYXLOG");
        var run = await RunAsync("archive-get", "--server", "pg1", "00000009.history", destination);
        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.False(File.Exists(destination));
    }

    [Fact]
    public async Task Get_CorruptStoredSegment_Exit126_AndWritesNothing()
    {
        Assert.Equal(0, (await RunAsync("archive-push", "--server", "pg1", WriteSegment("000000010000000000000008", 6))).ExitCode);
        var stored = Assert.Single(StoredFiles());
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes);
        var destination = _folder.Combine("RECOVERYXLOG");
        var run = await RunAsync("archive-get", "--server", "pg1", "000000010000000000000008", destination);
        Assert.True(run.ExitCode == PgArk.Cli.Program.ArchiveGetFailureExitCode, run.ToString());
        Assert.Contains("WAL file 000000010000000000000008 could not be fetched: repository 'local'", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(destination));
    }

    /// <summary>
    /// Every failure that is not "in no repository" must exit above 125, or PostgreSQL ends recovery early and promotes.
    /// </summary>
    [Fact]
    public async Task Get_EveryFailureOtherThanNotArchived_Exits126()
    {
        var destination = _folder.Combine("RECOVERYXLOG");
        const string wal = "000000010000000000000009";
        var failures = new Dictionary<string, CliRun>
        {
            ["missing config"] =
                await CliRun.RunAsync("--config", _folder.Combine("absent.yaml"), "archive-get", "--server", "pg1", wal, destination),
            ["unknown server"] = await RunAsync("archive-get", "--server", "nope", wal, destination),
            ["missing argument"] = await RunAsync("archive-get", "--server", "pg1", wal),
        };
        var broken = _folder.Combine("broken.yaml");
        await File.WriteAllTextAsync(broken, "repositories: [ this is not\n");
        failures["bad config"] = await CliRun.RunAsync("--config", broken, "archive-get", "--server", "pg1", wal, destination);
        // The repository folder is gone (an unmounted volume): its WAL listing would be empty, which is not "not archived".
        Directory.Move(_repository, _repository + ".away");
        failures["unreadable repository"] = await RunAsync("archive-get", "--server", "pg1", wal, destination);
        Directory.Move(_repository + ".away", _repository);
        foreach (var (what, run) in failures)
        {
            Assert.True(run.ExitCode == PgArk.Cli.Program.ArchiveGetFailureExitCode, $"{what}: {run}");
        }
        Assert.False(File.Exists(destination));
        Assert.Equal(3, (await RunAsync("archive-get", "--server", "pg1", wal, destination)).ExitCode);
    }

    [Fact]
    public async Task Get_CorruptCopyInFirstRepository_ServedBySecond()
    {
        var second = _folder.Combine("repo2");
        await File.WriteAllTextAsync(_config, $"""
            repositories:
              - name: local
                path: {_repository}
              - name: second
                path: {second}
            servers:
              - name: pg1
                connection: "Host=/tmp;Port=1"
                pgdata: /tmp/unused
                repositories: [local, second]
            """);
        var record = Path.Combine(second, "servers", "pg1", "server.json");
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        File.Copy(Path.Combine(_repository, "servers", "pg1", "server.json"), record);
        var segment = WriteSegment("00000001000000000000000A", 7);
        Assert.Equal(0, (await RunAsync("archive-push", "--server", "pg1", segment)).ExitCode);
        var stored = Assert.Single(StoredFiles());
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes);

        var destination = _folder.Combine("RECOVERYXLOG");
        var run = await RunAsync("archive-get", "--server", "pg1", "00000001000000000000000A", destination);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(destination));
    }

    /// <summary>
    /// Prefetch (default on): the first call into a data directory's pg_wal spools the next segments; a spooled copy is
    /// served only when it still hashes to the repository's checksum, a damaged one is fetched again (or, when the
    /// repository's copy is damaged too, archive-get fails with 126: a corrupt segment is never replayed); the spool is
    /// removed at the end of the archive.
    /// </summary>
    [Fact]
    public async Task Get_Prefetch_ServesVerifiedSpool_RefetchesDamaged_NeverServesCorrupt_RemovedAtEnd()
    {
        var dataDirectory = _folder.Combine("pgdata");
        Directory.CreateDirectory(Path.Combine(dataDirectory, "pg_wal"));
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "PG_VERSION"), "15\n");
        var originals = new Dictionary<string, byte[]>();
        for (var i = 0x10; i <= 0x14; i++)
        {
            var segment = WriteSegment($"0000000100000000000000{i:X2}", 100 + i);
            Assert.Equal(0, (await RunAsync("archive-push", "--server", "pg1", segment)).ExitCode);
            originals[Path.GetFileName(segment)] = await File.ReadAllBytesAsync(segment);
        }
        var destination = Path.Combine(dataDirectory, "pg_wal", "RECOVERYXLOG");
        var spool = Path.Combine(dataDirectory, "pgark_prefetch");
        async Task<CliRun> GetAsync(string name)
        {
            File.Delete(destination);
            return await RunAsync("archive-get", "--server", "pg1", name, destination);
        }
        string Spooled(string name) => Assert.Single(Directory.GetFiles(spool, name + "-*"));

        var first = await GetAsync("000000010000000000000010");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(originals["000000010000000000000010"], await File.ReadAllBytesAsync(destination));
        Assert.Equal(["000000010000000000000011", "000000010000000000000012", "000000010000000000000013", "000000010000000000000014"],
            Directory.GetFiles(spool).Select(f => Path.GetFileName(f)[..24]).Order(StringComparer.Ordinal));

        // Damaged on local disk after it was prefetched: fetched again from the repository, the right bytes are served.
        Damage(Spooled("000000010000000000000011"));
        var refetched = await GetAsync("000000010000000000000011");
        Assert.True(refetched.ExitCode == 0, refetched.ToString());
        Assert.Contains("prefetched WAL file 000000010000000000000011 is damaged", refetched.Stderr, StringComparison.Ordinal);
        Assert.Equal(originals["000000010000000000000011"], await File.ReadAllBytesAsync(destination));

        // Damaged in the spool and in the repository: nothing is served, and PostgreSQL is told to stop (126).
        Damage(Spooled("000000010000000000000012"));
        Damage(Assert.Single(StoredFiles(), f => Path.GetFileName(f).StartsWith("000000010000000000000012-", StringComparison.Ordinal)));
        var corrupt = await GetAsync("000000010000000000000012");
        Assert.True(corrupt.ExitCode == PgArk.Cli.Program.ArchiveGetFailureExitCode, corrupt.ToString());
        Assert.False(File.Exists(destination));

        // Served from the spool, untouched.
        var spooled = await GetAsync("000000010000000000000013");
        Assert.True(spooled.ExitCode == 0, spooled.ToString());
        Assert.Equal(originals["000000010000000000000013"], await File.ReadAllBytesAsync(destination));

        // The end of the archive ends recovery: exit 3 and the spool is gone.
        Assert.Equal(0, (await GetAsync("000000010000000000000014")).ExitCode);
        Assert.Equal(3, (await GetAsync("000000010000000000000015")).ExitCode);
        Assert.False(Directory.Exists(spool));
    }

    private static void Damage(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("000000010000000000000001/../../x")]
    public async Task Get_NameThatIsAPath_Exit126(string name)
    {
        var run = await RunAsync("archive-get", "--server", "pg1", name, _folder.Combine("x"));
        Assert.True(run.ExitCode == PgArk.Cli.Program.ArchiveGetFailureExitCode, run.ToString());
    }
}
