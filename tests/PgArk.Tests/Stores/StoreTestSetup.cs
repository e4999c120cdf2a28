using System.Text.Json;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Stores;

/// <summary>A temporary repository, lock folder and <c>pgark.yaml</c> with one <c>stores</c> entry, for the store tests.</summary>
internal sealed class StoreTestSetup : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public StoreTestSetup(string storeYaml, string compression = "zstd", string repositoryExtra = "")
    {
        Directory.CreateDirectory(RepositoryPath);
        ConfigPath = _folder.Combine("pgark.yaml");
        File.WriteAllText(ConfigPath, $"""
            lockPath: {_folder.Combine("locks")}
            repositories:
              - name: local
                path: {RepositoryPath}
                compression: {compression}
                {repositoryExtra}
            servers:
              - name: pg1
                connection: "Host=/nonexistent;Username=postgres"
                pgdata: /var/lib/postgresql/15/main
            stores:
            {storeYaml}
            """);
        Context = new OperationContext(ConfigLoader.Parse(File.ReadAllText(ConfigPath), ConfigPath, _ => null), selfCommand: "pgark");
    }

    public string RepositoryPath => _folder.Combine("repo");

    public string ConfigPath { get; }

    public OperationContext Context { get; }

    public string Combine(params string[] parts) => _folder.Combine(parts);

    /// <summary>Runs a registry operation as REST and MCP do (a failed verdict is returned, not thrown).</summary>
    public Task<OperationInvocation> RunAsync(string tool, object arguments) =>
        OperationRegistry.Default.RunAsync(Context, tool, JsonSerializer.SerializeToElement(arguments), null, CancellationToken.None);

    /// <summary>Runs the pgark command line in-process; returns the exit code and what it printed.</summary>
    public async Task<(int Exit, string Stdout, string Stderr)> CliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await PgArk.Cli.Program.RunAsync(["--config", ConfigPath, .. args], stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public void Dispose() => _folder.Dispose();
}
