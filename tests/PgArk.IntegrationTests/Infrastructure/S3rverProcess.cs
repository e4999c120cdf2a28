using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using PgArk.Core.Storage.S3;

namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// A real S3-compatible server on loopback: s3rver (pinned in tests/js/package-lock.json) run by node on a free port,
/// storing its objects in a folder. It can be killed with -9 and started again on the same folder and port, as an
/// outage and recovery. Stopped by PID on dispose.
/// </summary>
public sealed class S3rverProcess : IAsyncDisposable
{
    public const string AccessKeyId = "S3RVER";
    public const string SecretAccessKey = "S3RVER";

    private readonly StringBuilder _output = new();
    private Process? _process;

    private S3rverProcess(string dataFolder, int port, string bucket)
    {
        DataFolder = dataFolder;
        Port = port;
        Bucket = bucket;
    }

    public string DataFolder { get; }

    public int Port { get; }

    public string Bucket { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts s3rver storing into <paramref name="dataFolder"/> with <paramref name="bucket"/> created.</summary>
    public static async Task<S3rverProcess> StartAsync(string dataFolder, string bucket, CancellationToken cancellationToken)
    {
        var server = new S3rverProcess(dataFolder, FreePort.Next(dataFolder), bucket);
        try
        {
            await server.RestartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Storage options for this server, under <paramref name="prefix"/>.</summary>
    public S3StorageOptions StorageOptions(string prefix = "") => new()
    {
        Bucket = Bucket,
        Prefix = prefix,
        Endpoint = Endpoint,
        ForcePathStyle = true,
        Credentials = new S3Credentials(AccessKeyId, SecretAccessKey),
        MaxErrorRetry = 2,
    };

    /// <summary>Starts the server (again) on the same folder and port and waits until it answers HTTP.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (ProcessId is not null)
        {
            throw new InvalidOperationException("s3rver is already running");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     // s3rver's continuation tokens use DES, which OpenSSL 3 only offers through its legacy provider.
                     "--openssl-legacy-provider", "-e", KeepAlive, ScriptPath, "--directory", DataFolder, "--address", "127.0.0.1", "--port", Port.ToString(),
                     "--configure-bucket", Bucket, "--silent",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("unable to start node");
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilAnsweringAsync(cancellationToken);
    }

    /// <summary>kill -9: the server dies mid-request, as in a crash or a network cut.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private static string ScriptPath { get; } = FindScript();

    // s3rver removes a key's folder when a DELETE leaves it empty; a PUT into that folder at the same moment fails to
    // open its file, and the unhandled stream error kills the server. Kept alive, the PUT answers 500 and the client
    // retries it, as it would against a real server's transient error. (Runs s3rver's own bin script, with its
    // arguments, under this handler.)
    private const string KeepAlive =
        "process.on('uncaughtException', e => console.error('s3rver: uncaught ' + (e && e.stack || e))); require(process.argv[1]);";

    /// <summary>What the server printed (errors only: it runs with --silent).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private static string FindScript()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var script = Path.Combine(folder.FullName, "tests", "js", "node_modules", "s3rver", "bin", "s3rver.js");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException("s3rver not found: run scripts/install-deps.sh (tests/js/node_modules)");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    // s3rver creates the bucket before it listens, so an HTTP answer on the port means it is ready.
    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process!.HasExited)
            {
                string output;
                lock (_output)
                {
                    output = _output.ToString();
                }

                throw new InvalidOperationException($"s3rver exited with code {_process.ExitCode} before answering: {output}");
            }

            try
            {
                using var response = await http.GetAsync(Endpoint, cancellationToken);
                return;
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
