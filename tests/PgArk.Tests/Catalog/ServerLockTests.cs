using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Catalog;

[UnsupportedOSPlatform("windows")]
public sealed class ServerLockTests : IDisposable
{
    private const string Hint = "wait for the running backup of 'pg1' to finish; the lock is released when its process exits";

    private readonly TemporaryFolder _folder = new();
    private readonly string _lockFolder;
    private readonly string _lockFile;

    public ServerLockTests()
    {
        _lockFolder = _folder.Combine("locks");
        _lockFile = _folder.Combine("locks", "pg1-backup.lock");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Acquire_Free_CreatesPrivateFolderAndFileNamingTheHolder()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await using var held = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);

        Assert.Equal(_lockFile, held.Path);
        Assert.Equal("pg1", held.ServerName);
        Assert.Equal("backup", held.Purpose);
        Assert.False(held.TookOverStaleLock);
        Assert.Null(held.PreviousHolderPid);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_lockFolder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_lockFile));
        var content = ReadLockFile();
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), content["pid"]);
        Assert.Equal(Environment.MachineName, content["host"]);
        Assert.Equal("backup", content["purpose"]);
        Assert.InRange(DateTimeOffset.Parse(content["started"], CultureInfo.InvariantCulture), before, DateTimeOffset.UtcNow);
        Assert.EndsWith("Z", content["started"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acquire_HeldInSameProcess_ThrowsLockHeldNamingTheHolder()
    {
        await using var held = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);
        var started = ReadLockFile()["started"];

        var exception = await Assert.ThrowsAsync<LockHeldException>(
            () => ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None));

        Assert.Equal(
            $"unable to acquire backup lock for server 'pg1': held by pid {Environment.ProcessId} since {started}",
            exception.Message);
        Assert.Equal(Hint, exception.Hint);
        Assert.Equal(ErrorKind.Refused, exception.Kind);
    }

    [Fact]
    public async Task Acquire_HeldByAnotherProcess_ThrowsLockHeldNamingThatProcess()
    {
        using var holder = await LockHolderProcess.StartAsync(_lockFile);

        var exception = await Assert.ThrowsAsync<LockHeldException>(
            () => ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None));

        Assert.Equal(
            $"unable to acquire backup lock for server 'pg1': held by pid {holder.Pid} since 2026-11-21T10:00:00Z",
            exception.Message);
    }

    [Fact]
    public async Task Acquire_HeldByAnotherProcessThatWroteNothing_ThrowsLockHeld()
    {
        using var holder = await LockHolderProcess.StartAsync(_lockFile, writeHolder: false);

        var exception = await Assert.ThrowsAsync<LockHeldException>(
            () => ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None));

        Assert.Equal("unable to acquire backup lock for server 'pg1': held by another process", exception.Message);
    }

    [Fact]
    public async Task Acquire_Held_OtherProcessesCannotLockUntilRelease()
    {
        var held = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);

        Assert.Equal(1, await FlockNonBlockingAsync(_lockFile));

        await held.DisposeAsync();

        Assert.Equal(0, await FlockNonBlockingAsync(_lockFile));
    }

    [Fact]
    public async Task Acquire_ChildProcessStartedWhileHeld_DoesNotKeepLockAfterRelease()
    {
        var held = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);
        using var child = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            await held.DisposeAsync();

            Assert.Equal(0, await FlockNonBlockingAsync(_lockFile));
        }
        finally
        {
            child.Kill();
            await child.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Acquire_HolderKilled_TakesOverStaleLock()
    {
        int holderPid;
        using (var holder = await LockHolderProcess.StartAsync(_lockFile))
        {
            holderPid = holder.Pid;
            await holder.KillAsync(); // SIGKILL: no chance to clean up
        }

        await using var held = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);

        Assert.True(held.TookOverStaleLock);
        Assert.Equal(holderPid, held.PreviousHolderPid);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), held.PreviousHolderSince);
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ReadLockFile()["pid"]);
    }

    [Fact]
    public async Task Acquire_FileLeftByDeadPidNobodyHolds_TakesItOver()
    {
        var deadPid = await DeadPidAsync();
        Directory.CreateDirectory(_lockFolder);
        File.WriteAllText(_lockFile, $"pid={deadPid}\nhost=elsewhere\nstarted=2026-01-02T03:04:05Z\npurpose=backup\n");

        await using var held = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);

        Assert.True(held.TookOverStaleLock);
        Assert.Equal(deadPid, held.PreviousHolderPid);
        Assert.Equal(Environment.MachineName, ReadLockFile()["host"]);
    }

    [Fact]
    public async Task Acquire_UnreadableLeftover_TakesItOverWithoutPid()
    {
        Directory.CreateDirectory(_lockFolder);
        File.WriteAllText(_lockFile, "garbage");

        await using var held = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);

        Assert.True(held.TookOverStaleLock);
        Assert.Null(held.PreviousHolderPid);
    }

    [Fact]
    public async Task Release_ThenAcquire_SucceedsAndIsNotStale()
    {
        var first = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);
        first.Dispose();
        first.Dispose();

        Assert.Equal("", File.ReadAllText(_lockFile));
        await using var second = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);
        Assert.False(second.TookOverStaleLock);
    }

    [Fact]
    public async Task Acquire_OtherServerOrPurpose_DoesNotConflict()
    {
        await using var backup = await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);
        await using var otherServer = await ServerLock.AcquireAsync(_lockFolder, "pg2", "backup", CancellationToken.None);
        await using var otherPurpose = await ServerLock.AcquireAsync(_lockFolder, "pg1", "expire", CancellationToken.None);

        Assert.Equal(_folder.Combine("locks", "pg1-expire.lock"), otherPurpose.Path);
    }

    [Fact]
    public async Task Acquire_ConcurrentInSameProcess_ExactlyOneWins()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            try
            {
                return await ServerLock.AcquireAsync(_lockFolder, "pg1", "backup", CancellationToken.None);
            }
            catch (LockHeldException)
            {
                return null;
            }
        }));

        Assert.Single(attempts, held => held is not null);
        foreach (var held in attempts)
        {
            held?.Dispose();
        }
    }

    [Theory]
    [InlineData("../etc", "backup")]
    [InlineData("pg1/x", "backup")]
    [InlineData(".hidden", "backup")]
    [InlineData("pg1", "")]
    [InlineData("pg1", "back up")]
    public async Task Acquire_NameThatIsNotAPlainFileName_ThrowsArgumentException(string server, string purpose)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => ServerLock.AcquireAsync(_lockFolder, server, purpose, CancellationToken.None));

        Assert.False(Directory.Exists(_lockFolder));
    }

    // Read with cat: .NET's File.Read* would try a shared flock of its own and fail while the lock is held.
    private Dictionary<string, string> ReadLockFile()
    {
        using var process = Process.Start(new ProcessStartInfo("cat", [_lockFile]) { RedirectStandardOutput = true })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
    }

    /// <summary>Exit code of util-linux <c>flock -n</c> on the file: 0 when it got the lock, 1 when it is held.</summary>
    private static async Task<int> FlockNonBlockingAsync(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("flock", ["-n", "-E", "1", path, "true"]))!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true"))!;
        await process.WaitForExitAsync();
        return process.Id;
    }

    /// <summary>A bash process holding an flock on the lock file (as another pgark would), until killed or disposed.</summary>
    private sealed class LockHolderProcess : IDisposable
    {
        private const string Script = """
            exec 9<>"$1"
            flock -n 9 || { echo busy; exit 3; }
            if [ "$2" = yes ]; then printf 'pid=%s\nhost=%s\nstarted=2026-11-21T10:00:00Z\npurpose=backup\n' $$ "$(hostname)" >"$1"; fi
            echo locked
            read -r _
            """;

        private readonly Process _process;

        private LockHolderProcess(Process process) => _process = process;

        public int Pid => _process.Id;

        public static async Task<LockHolderProcess> StartAsync(string path, bool writeHolder = true)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var process = Process.Start(new ProcessStartInfo("bash", ["-c", Script, "holder", path, writeHolder ? "yes" : "no"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            })!;
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("locked", line);
            return new LockHolderProcess(process);
        }

        public async Task KillAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
