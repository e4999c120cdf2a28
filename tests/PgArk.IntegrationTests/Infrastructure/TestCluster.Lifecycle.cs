using System.Globalization;

namespace PgArk.IntegrationTests.Infrastructure;

public sealed partial class TestCluster
{
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_exitWait = TimeSpan.FromSeconds(10);

    /// <summary><c>pg_ctl start -w</c> as postgres; then reads the postmaster PID from postmaster.pid.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            throw new InvalidOperationException($"the cluster in '{DataDirectory}' is already running (pid {_pid})");
        }

        var waitSeconds = (int)Math.Ceiling(_startTimeout.TotalSeconds);
        List<string> args = ["-D", DataDirectory, "-l", LogFile, "-w", "-t", waitSeconds.ToString(CultureInfo.InvariantCulture)];
        if (_serverOptions.Count > 0)
        {
            args.Add("-o");
            args.Add(PostgresConf.ShellJoin(_serverOptions));
        }

        args.Add("start");
        RemoveStaleLockFile(Path.Combine(DataDirectory, "postmaster.pid"));
        RemoveStaleLockFile(Path.Combine(SocketDirectory, $".s.PGSQL.{Port}.lock"));
        s_live.TryAdd(this, 0);
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                Binaries.PgCtl,
                args,
                new ProcessRunOptions { RunAsPostgres = true, Timeout = _startTimeout + TimeSpan.FromSeconds(30) },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Even a failed or timed-out start can leave a postmaster behind: remember it so Stop/Dispose end it.
            _pid = ReadPostmasterPid() is int pid && Posix.IsAlive(pid) ? pid : null;
        }

        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"unable to start the cluster in '{DataDirectory}': {result.Output.Trim()}\n--- server log ---\n{ReadLogTail()}");
        }

        if (_pid is null)
        {
            throw new InvalidOperationException(
                $"pg_ctl started the cluster in '{DataDirectory}', but no live postmaster PID is in postmaster.pid\n" +
                $"--- server log ---\n{ReadLogTail()}");
        }
    }

    /// <summary>
    /// <c>pg_ctl stop -m fast -w</c>; if that fails or the postmaster outlives it, SIGQUIT and then SIGKILL by PID.
    /// Returns once the postmaster and all its children are gone. A no-op when the server is not running.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_pid is not int pid || !Posix.IsAlive(pid))
        {
            MarkStopped();
            return;
        }

        var processes = Posix.GetDescendants(pid).Prepend(pid).ToList();
        var stopped = false;
        try
        {
            var result = await ProcessRunner.RunAsync(
                Binaries.PgCtl,
                ["-D", DataDirectory, "stop", "-m", "fast", "-w", "-t", s_stopTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)],
                new ProcessRunOptions { RunAsPostgres = true, Timeout = s_stopTimeout + TimeSpan.FromSeconds(30) },
                cancellationToken).ConfigureAwait(false);
            stopped = result.Succeeded && await Posix.WaitForExitAsync(processes, s_exitWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        if (!stopped)
        {
            await ForceStopAsync(pid, processes, cancellationToken).ConfigureAwait(false);
        }

        MarkStopped();
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Simulates a crash: SIGKILL to the postmaster, then to every process under it; no shutdown checkpoint is written.
    /// A later <see cref="StartAsync"/> runs crash recovery.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (_pid is not int pid || !Posix.IsAlive(pid))
        {
            MarkStopped();
            return;
        }

        // The postmaster goes first so it cannot start replacement children.
        var processes = Posix.GetDescendants(pid).Prepend(pid).ToList();
        foreach (var process in processes)
        {
            Posix.KillNow(process);
        }

        if (!await Posix.WaitForExitAsync(processes, s_exitWait, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"postgres processes of '{DataDirectory}' survived SIGKILL");
        }

        MarkStopped();
    }

    /// <summary>Stops the server and deletes the cluster's folder. Best effort: never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            try
            {
                await KillAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Nothing more to try; the process-exit hook gets another go.
            }
        }

        if (!IsRunning)
        {
            s_live.TryRemove(this, out _);
        }

        if (_deleteDataDirectory)
        {
            TempFolder.TryDelete(DataDirectory);
        }

        _workFolder.Dispose();
    }

    private async Task ForceStopAsync(int pid, IReadOnlyList<int> knownProcesses, CancellationToken cancellationToken)
    {
        // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its children down with it.
        await Posix.SignalAsync(pid, "QUIT", cancellationToken).ConfigureAwait(false);
        if (await Posix.WaitForExitAsync(knownProcesses, s_exitWait, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var processes = knownProcesses.Concat(Posix.GetDescendants(pid)).Distinct().ToList();
        foreach (var process in processes)
        {
            Posix.KillNow(process);
        }

        if (!await Posix.WaitForExitAsync(processes, s_exitWait, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"unable to stop postgres (pid {pid}) for '{DataDirectory}'");
        }
    }

    private void MarkStopped()
    {
        _pid = null;
        s_live.TryRemove(this, out _);
    }

    // A SIGKILLed postmaster leaves postmaster.pid and the socket lock file behind. PostgreSQL probes the PID in them
    // with kill(pid, 0), which also succeeds for a zombie; where PID 1 is slow to reap orphans (some containers), it
    // would refuse to start.
    private static void RemoveStaleLockFile(string path)
    {
        if (ReadPidFile(path) is int pid && !Posix.IsAlive(pid))
        {
            File.Delete(path);
        }
    }

    private int? ReadPostmasterPid() => ReadPidFile(Path.Combine(DataDirectory, "postmaster.pid"));

    private static int? ReadPidFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return int.TryParse(reader.ReadLine(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
