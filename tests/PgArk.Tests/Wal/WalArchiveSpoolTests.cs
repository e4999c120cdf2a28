using PgArk.Core.Errors;
using PgArk.Core.Wal;

namespace PgArk.Tests.Wal;

/// <summary>The asynchronous archiving spool: statuses, what archive-push trusts, and the pusher lock.</summary>
public sealed class WalArchiveSpoolTests : IDisposable
{
    private const string Segment = "000000010000000000000005";
    private readonly string _root = Directory.CreateTempSubdirectory("pgark-spool-").FullName;
    private readonly WalArchiveSpool _spool;
    private readonly string _walPath;

    public WalArchiveSpoolTests()
    {
        _spool = new WalArchiveSpool(Path.Combine(_root, "spool"), "pg1");
        Directory.CreateDirectory(Path.Combine(_root, "pg_wal"));
        _walPath = Path.Combine(_root, "pg_wal", Segment);
        File.WriteAllBytes(_walPath, new byte[8192]);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void WriteOkForCurrentFile()
    {
        _spool.WriteOk(Segment, WalFileStamp.Of(_walPath)!, new string('a', 64));
    }

    [Fact]
    public void WriteOk_ThenTryRead_DescribesThatFileOnly()
    {
        WriteOkForCurrentFile();
        var status = _spool.TryRead(Segment);
        Assert.NotNull(status);
        Assert.True(status.Ok);
        Assert.True(status.Describes(_walPath));

        // Same name, other content (e.g. an older status left by a cluster since restored): not vouched for.
        File.WriteAllBytes(_walPath, new byte[16384]);
        Assert.False(_spool.TryRead(Segment)!.Describes(_walPath));
    }

    [Fact]
    public void WriteError_ReplacesOk_RemoveClearsBoth()
    {
        WriteOkForCurrentFile();
        _spool.WriteError(Segment, "repository 'local': disk full\nsecond line");
        var status = _spool.TryRead(Segment);
        Assert.NotNull(status);
        Assert.False(status.Ok);
        Assert.Equal("repository 'local': disk full second line", status.Message);
        Assert.False(File.Exists(Path.Combine(_spool.Folder, Segment + ".ok")));
        Assert.Equal([(Segment, false)], _spool.ListStatuses());

        _spool.Remove(Segment);
        Assert.Null(_spool.TryRead(Segment));
        Assert.False(_spool.HasStatus(Segment));
        Assert.Empty(_spool.ListStatuses());
    }

    [Fact]
    public void TryRead_TornOkStatus_NotTrustedAndRemoved()
    {
        _spool.EnsureFolder();
        File.WriteAllText(Path.Combine(_spool.Folder, Segment + ".ok"), $"ok {Segment} 81");
        Assert.Null(_spool.TryRead(Segment));
        Assert.False(_spool.HasStatus(Segment));
    }

    [Fact]
    public void TryRead_OkStatusNamingAnotherFile_NotTrustedAndRemoved()
    {
        _spool.EnsureFolder();
        // A status copied from another segment (same size and time would not make it this file's).
        File.WriteAllText(Path.Combine(_spool.Folder, Segment + ".ok"),
            $"ok 000000010000000000000006 {WalFileStamp.Of(_walPath)} {new string('a', 64)}\n");
        Assert.Null(_spool.TryRead(Segment));
        Assert.False(_spool.HasStatus(Segment));
    }

    [Fact]
    public void WalFileStamp_MatchesGnuStat()
    {
        File.SetLastWriteTimeUtc(_walPath, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(10));
        Assert.Equal("8192 1577836800.000001000", WalFileStamp.Of(_walPath));
        Assert.Null(WalFileStamp.Of(_walPath + ".absent"));
    }

    [Fact]
    public void TryLockPusher_SecondTaker_Refused_UntilReleased()
    {
        Assert.False(_spool.IsPusherRunning());
        using (var first = _spool.TryLockPusher())
        {
            Assert.NotNull(first);
            Assert.Equal(Environment.ProcessId, _spool.PusherProcessId());
            Assert.Null(_spool.TryLockPusher());
            Assert.True(_spool.IsPusherRunning());
        }
        Assert.False(_spool.IsPusherRunning());
        using var again = _spool.TryLockPusher();
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Client_OkStatusForThisFile_SucceedsWithoutStartingAPusher()
    {
        WriteOkForCurrentFile();
        var starts = 0;
        var client = new WalAsyncPushClient(_spool, _ => { starts++; return Task.CompletedTask; });
        await client.PushAsync(_walPath, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(0, starts);
    }

    [Fact]
    public async Task Client_NoStatus_StartsPusher_FailsAtTimeout()
    {
        var starts = 0;
        var client = new WalAsyncPushClient(_spool, _ => { starts++; return Task.CompletedTask; });
        var failure = await Assert.ThrowsAsync<PgArkException>(() => client.PushAsync(_walPath, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.Equal(ErrorKind.Failed, failure.Kind);
        Assert.Equal($"WAL file {Segment} was not archived within 0 s by the asynchronous pusher", failure.Message);
        Assert.Equal(1, starts);
    }

    [Fact]
    public async Task Client_OkStatusOfOtherContent_NeverSucceeds()
    {
        File.SetLastWriteTimeUtc(_walPath, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        WriteOkForCurrentFile();
        // The same size, a modification time 100 ns later: another file.
        File.SetLastWriteTimeUtc(_walPath, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1));
        var client = new WalAsyncPushClient(_spool, _ => Task.CompletedTask);
        await Assert.ThrowsAsync<PgArkException>(() => client.PushAsync(_walPath, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.False(_spool.HasStatus(Segment));
    }

    [Fact]
    public async Task Client_ErrorStatus_FailsAtTimeoutWithPushersMessage()
    {
        _spool.WriteError(Segment, "repository 'local': permission denied");
        var client = new WalAsyncPushClient(_spool, _ => Task.CompletedTask);
        var failure = await Assert.ThrowsAsync<PgArkException>(() => client.PushAsync(_walPath, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.Equal($"WAL file {Segment} was not archived within 0 s by the asynchronous pusher: repository 'local': permission denied",
            failure.Message);
    }

    [Fact]
    public async Task Client_OldErrorStatus_HandedBackToPusher_WhichThenSucceeds()
    {
        _spool.WriteError(Segment, "repository 'local': timeout");
        File.SetLastWriteTimeUtc(Path.Combine(_spool.Folder, Segment + ".error"), DateTime.UtcNow - WalAsyncPushClient.RetryInterval * 2);
        // The "pusher" here is the retry itself: once the error is removed, the file is stored and reported ok.
        var client = new WalAsyncPushClient(_spool, _ =>
        {
            if (!_spool.HasStatus(Segment))
            {
                WriteOkForCurrentFile();
            }
            return Task.CompletedTask;
        });
        await client.PushAsync(_walPath, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.True(_spool.TryRead(Segment)!.Ok);
    }
}
