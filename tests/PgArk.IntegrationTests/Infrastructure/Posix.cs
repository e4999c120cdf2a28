using System.Diagnostics;
using System.Globalization;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// Linux process and ownership helpers read from <c>/proc</c> or done with coreutils, so the fixtures need no P/Invoke.
/// </summary>
public static class Posix
{
    public const string PostgresUser = "postgres";

    private static readonly Lazy<bool> s_isRoot = new(() => ReadEffectiveUid() == 0);
    private static readonly Lazy<string> s_runuserPath = new(() =>
        new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser" }.FirstOrDefault(File.Exists) ?? "runuser");

    /// <summary>True when the effective uid is 0; then PostgreSQL programs must run as <see cref="PostgresUser"/>.</summary>
    public static bool IsRoot => s_isRoot.Value;

    public static string RunuserPath => s_runuserPath.Value;

    /// <summary>True when the process exists and is not a zombie (an exited child nobody reaped counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        var state = ReadStat(pid)?.State;
        return state is not null and not 'Z' and not 'X';
    }

    /// <summary>All live descendants of <paramref name="pid"/>, children before grandchildren.</summary>
    public static IReadOnlyList<int> GetDescendants(int pid)
    {
        var childrenByParent = new Dictionary<int, List<int>>();
        foreach (var candidate in EnumeratePids())
        {
            if (ReadStat(candidate) is { } stat && stat.State is not 'Z' and not 'X')
            {
                if (!childrenByParent.TryGetValue(stat.ParentPid, out var children))
                {
                    childrenByParent[stat.ParentPid] = children = [];
                }

                children.Add(candidate);
            }
        }

        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out var current))
        {
            if (childrenByParent.TryGetValue(current, out var children))
            {
                foreach (var child in children)
                {
                    result.Add(child);
                    queue.Enqueue(child);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Live processes whose command line contains <paramref name="fragment"/> (like <c>pgrep -f</c>), excluding this one.
    /// </summary>
    public static IReadOnlyList<int> FindByCommandLine(string fragment)
    {
        ArgumentException.ThrowIfNullOrEmpty(fragment);
        var self = Environment.ProcessId;
        var result = new List<int>();
        foreach (var pid in EnumeratePids())
        {
            if (pid == self)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                if (commandLine.Contains(fragment, StringComparison.Ordinal) && IsAlive(pid))
                {
                    result.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process exited while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return result;
    }

    /// <summary>Sends a signal by name (<c>QUIT</c>, <c>TERM</c>, <c>KILL</c>...); false when the process is already gone.</summary>
    public static async Task<bool> SignalAsync(int pid, string signal, CancellationToken cancellationToken)
    {
        // The shell builtin is always there, unlike /usr/bin/kill; the pid and signal travel as arguments, not script text.
        var result = await ProcessRunner.RunAsync(
            "/bin/sh",
            ["-c", "kill -s \"$1\" \"$2\"", "sh", signal, pid.ToString(CultureInfo.InvariantCulture)],
            new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(10) },
            cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <summary>SIGKILL without spawning anything: usable from a process-exit handler.</summary>
    public static void KillNow(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // Not running.
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>Polls until none of <paramref name="pids"/> is alive; false on timeout.</summary>
    public static async Task<bool> WaitForExitAsync(IEnumerable<int> pids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = pids.ToList();
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            pending.RemoveAll(p => !IsAlive(p));
            if (pending.Count == 0)
            {
                return true;
            }

            if (stopwatch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes <paramref name="path"/> (recursively when asked) owned by the postgres user. A no-op when not root, since
    /// PostgreSQL then runs as the current user.
    /// </summary>
    public static async Task ChownToPostgresAsync(string path, bool recursive, CancellationToken cancellationToken)
    {
        if (!IsRoot)
        {
            return;
        }

        List<string> args = recursive ? ["-R"] : [];
        args.Add($"{PostgresUser}:{PostgresUser}");
        args.Add(path);
        await ProcessRunner.RunAsync("chown", args, new ProcessRunOptions { ThrowOnFailure = true }, cancellationToken)
            .ConfigureAwait(false);
    }

    private static int ReadEffectiveUid()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                // Uid: real effective saved filesystem
                var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return int.Parse(fields[2], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no Uid line in /proc/self/status");
    }

    private static IEnumerable<int> EnumeratePids()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static (char State, int ParentPid)? ReadStat(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
    }
}
