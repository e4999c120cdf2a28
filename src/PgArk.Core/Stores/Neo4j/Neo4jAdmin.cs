using System.Diagnostics;
using System.Text;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores.Neo4j;

/// <summary>
/// Runs <c>neo4j-admin</c> with an argument list (never a shell string), with NEO4J_HOME and NEO4J_CONF from the store's
/// options, streaming a dump out of its stdout or a load into its stdin (Neo4j 5), or through a file (4.x).
/// </summary>
internal sealed class Neo4jAdmin(Neo4jStoreOptions options)
{
    public const string CommunityNote =
        "neo4j-admin dump needs the database stopped: with Neo4j Community edition stop the Neo4j server before the backup " +
        "(Enterprise can stop just this database with STOP DATABASE)";

    /// <summary>The arguments of a dump of <paramref name="database"/> (Neo4j 5 writes to stdout; 4.x to <paramref name="file"/>).</summary>
    public IReadOnlyList<string> DumpArguments(string database, string? file) => options.Syntax == Neo4jAdminSyntax.V5
        ? ["database", "dump", database, "--to-stdout"]
        : ["dump", $"--database={database}", $"--to={file}"];

    /// <summary>The arguments of a load into <paramref name="database"/>, replacing it (Neo4j 5 reads stdin; 4.x <paramref name="file"/>).</summary>
    public IReadOnlyList<string> LoadArguments(string database, string? file) => options.Syntax == Neo4jAdminSyntax.V5
        ? ["database", "load", database, "--from-stdin", "--overwrite-destination=true"]
        : ["load", $"--from={file}", $"--database={database}", "--force"];

    /// <summary>Dumps <paramref name="database"/> and hands the dump to <paramref name="consume"/> as a stream.</summary>
    public async Task<T> DumpAsync<T>(string database, Func<Stream, Task<T>> consume, CancellationToken cancellationToken)
    {
        if (options.Syntax == Neo4jAdminSyntax.V5)
        {
            using var process = Start(DumpArguments(database, null), redirectInput: false);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            T result;
            try
            {
                result = await consume(process.StandardOutput.BaseStream).ConfigureAwait(false);
            }
            catch
            {
                Kill(process);
                throw;
            }
            await WaitAsync(process, stderr, "dump", database, cancellationToken).ConfigureAwait(false);
            return result;
        }
        var folder = Logical.DumpFileStore.CreateScratchFolder("neo4j-dump");
        try
        {
            var file = Path.Combine(folder, database + ".dump");
            await RunAsync(DumpArguments(database, file), "dump", database, cancellationToken).ConfigureAwait(false);
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                return await consume(stream).ConfigureAwait(false);
            }
        }
        finally
        {
            Logical.DumpFileStore.DeleteScratchFolder(folder);
        }
    }

    /// <summary>Loads <paramref name="dump"/> into <paramref name="database"/>, replacing what it holds.</summary>
    public async Task LoadAsync(string database, Stream dump, CancellationToken cancellationToken)
    {
        if (options.Syntax == Neo4jAdminSyntax.V5)
        {
            using var process = Start(LoadArguments(database, null), redirectInput: true);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            IOException? broken = null;
            try
            {
                await dump.CopyToAsync(process.StandardInput.BaseStream, 1 << 20, cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException ex)
            {
                // A broken pipe: neo4j-admin stopped reading, and its exit code and message say why.
                broken = ex;
            }
            catch
            {
                Kill(process);
                throw;
            }
            await stdout.ConfigureAwait(false);
            await WaitAsync(process, stderr, "load", database, cancellationToken).ConfigureAwait(false);
            if (broken is not null)
            {
                throw new OperationFailedException($"neo4j-admin load of database '{database}' stopped reading the dump: {broken.Message}");
            }
            return;
        }
        var folder = Logical.DumpFileStore.CreateScratchFolder("neo4j-load");
        try
        {
            var file = Path.Combine(folder, database + ".dump");
            var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                await dump.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
            }
            await RunAsync(LoadArguments(database, file), "load", database, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Logical.DumpFileStore.DeleteScratchFolder(folder);
        }
    }

    private async Task RunAsync(IReadOnlyList<string> arguments, string action, string database, CancellationToken cancellationToken)
    {
        using var process = Start(arguments, redirectInput: false);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await stdout.ConfigureAwait(false);
        await WaitAsync(process, stderr, action, database, cancellationToken).ConfigureAwait(false);
    }

    private Process Start(IReadOnlyList<string> arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo
        {
            FileName = options.AdminCommand,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = options.Home ?? "/",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (options.Home is { } home)
        {
            info.Environment["NEO4J_HOME"] = home;
        }
        if (options.ConfigFolder is { } config)
        {
            info.Environment["NEO4J_CONF"] = config;
        }
        try
        {
            return Process.Start(info) ?? throw new OperationFailedException($"unable to start '{options.AdminCommand}'");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new OperationFailedException($"unable to run '{options.AdminCommand}' for Neo4j store '{options.Name}': {ex.Message}",
                "set stores[].adminCommand to the neo4j-admin executable");
        }
    }

    private async Task WaitAsync(Process process, Task<string> stderr, string action, string database, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new OperationFailedException($"neo4j-admin {action} of database '{database}' did not finish within {options.TimeoutSeconds} s");
        }
        var message = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new OperationFailedException(
                $"neo4j-admin {action} of database '{database}' (Neo4j store '{options.Name}') failed with exit code {process.ExitCode}: {Tail(message)}",
                action == "dump" ? CommunityNote : "the database must be stopped (or not exist) for a load");
        }
    }

    private static string Tail(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 600 ? trimmed : "…" + trimmed[^600..];
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
