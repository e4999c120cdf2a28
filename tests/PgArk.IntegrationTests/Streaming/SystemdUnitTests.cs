using System.Diagnostics;
using System.Text.Json.Nodes;
using PgArk.IntegrationTests.Harness;
using PgArk.IntegrationTests.Infrastructure;

namespace PgArk.IntegrationTests.Streaming;

/// <summary>
/// The command lines of packaging/systemd's units, taken from the unit files (only the binary and the configuration path
/// are replaced by the test's, %i by the server), run as the unit's user against a cluster whose archive_command stores
/// nothing: WAL arrives in the repository, and SIGTERM (systemctl stop) ends the process with exit 0.
/// </summary>
public sealed class SystemdUnitTests
{
    private const string Server = PgArkHarness.Server;
    private const string UnitBinary = "/usr/bin/pgark";
    private const string UnitConfig = "/etc/pgark/pgark.yaml";

    private static readonly string s_units = Path.Combine(FindRoot(), "packaging", "systemd");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PgArk.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"cannot find the repository root above {AppContext.BaseDirectory}");
    }

    /// <summary>The unit's ExecStart split into arguments, with the instance, binary and configuration substituted.</summary>
    private static IReadOnlyList<string> ExecStart(string unit, string instance, string configPath)
    {
        var lines = File.ReadAllLines(Path.Combine(s_units, unit));
        var line = Assert.Single(lines, l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.Contains(lines, l => l == "User=postgres");
        var words = line["ExecStart=".Length..].Replace("%i", instance, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(UnitBinary, words[0]);
        Assert.Contains(UnitConfig, words);
        return [PgArkHarness.Executable, .. words.Skip(1).Select(w => w == UnitConfig ? configPath : w)];
    }

    /// <summary>Starts the command as the unit's user (postgres), its output collected.</summary>
    private static (Process Process, System.Text.StringBuilder Output) StartAsPostgres(IReadOnlyList<string> command)
    {
        var info = new ProcessStartInfo(Posix.IsRoot ? Posix.RunuserPath : command[0])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in (Posix.IsRoot ? ["-u", "postgres", "--", .. command] : command.Skip(1)))
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    /// <summary>systemctl stop: SIGTERM to the pgark process (under runuser), then its exit status.</summary>
    private static async Task<int> StopAsync(Process process)
    {
        var pgark = Posix.GetDescendants(process.Id).Where(Posix.IsAlive).ToList();
        foreach (var pid in pgark.Count > 0 ? pgark : [process.Id])
        {
            await Posix.SignalAsync(pid, "TERM", CancellationToken.None);
        }
        Assert.True(await Posix.WaitForExitAsync([process.Id, .. pgark], TimeSpan.FromMinutes(2), CancellationToken.None), "did not stop on SIGTERM");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>Switches WAL and waits until that segment is in the repository: only the streamer can have put it there.</summary>
    private static async Task AssertWalArrivesAsync(PgArkHarness h, Process process, System.Text.StringBuilder output)
    {
        await h.Cluster.ExecuteAsync("CREATE TABLE IF NOT EXISTS t (i int); INSERT INTO t SELECT generate_series(1, 1000)");
        var segment = await h.Cluster.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
        var walRoot = Path.Combine(h.RepositoryPath, "servers", Server, "wal");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!(Directory.Exists(walRoot) && Directory.EnumerateFiles(walRoot, segment + "-*", SearchOption.AllDirectories).Any()))
        {
            Assert.False(process.HasExited, $"exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Text(output)}");
            Assert.True(DateTime.UtcNow < deadline, $"segment {segment} did not reach the repository:\n{Text(output)}");
            await Task.Delay(50);
        }
    }

    private static string Text(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [Fact]
    public async Task StreamUnit_ExecStart_StreamsWalIntoTheRepository_AndStopsCleanly()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.SetArchiveCommandAsync("true");
        var (process, output) = StartAsPostgres(ExecStart("pgark-stream@.service", Server, h.ConfigPath));
        try
        {
            await AssertWalArrivesAsync(h, process, output);
            Assert.True(await StopAsync(process) == 0, Text(output));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task ServeUnit_ExecStart_StreamsServersWithStreamTrue()
    {
        await using var h = await PgArkHarness.CreateAsync();
        await h.Cluster.SetArchiveCommandAsync("true");
        var key = await h.RunAsync("--output", "json", "key", "create", "--name", "unit", "--role", "viewer");
        Assert.True(key.ExitCode == 0, key.ToString());
        var sha256 = JsonNode.Parse(key.Stdout)!["sha256"]!.GetValue<string>();
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var config = await File.ReadAllTextAsync(h.ConfigPath);
        await File.WriteAllTextAsync(h.ConfigPath, config.TrimEnd('\n') + "\n    stream: true\n" +
            $"api:\n  urls: http://127.0.0.1:{port}\n  keys:\n    - {{ name: unit, sha256: \"{sha256}\", role: viewer }}\n");

        var (process, output) = StartAsPostgres(ExecStart("pgark-serve.service", Server, h.ConfigPath));
        try
        {
            await AssertWalArrivesAsync(h, process, output);
            Assert.True(await StopAsync(process) == 0, Text(output));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
