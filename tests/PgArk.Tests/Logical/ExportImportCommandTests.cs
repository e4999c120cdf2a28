using System.Text.Json;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Logical;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Logical;

/// <summary>
/// export and import are generated from export_table and import_table like every command: the README's options bind, an
/// update import is refused without --yes before anything runs, and API callers stay inside the export folder. Nothing
/// here reaches PostgreSQL (the server's socket does not exist); the runs that do are in the integration tests.
/// </summary>
public sealed class ExportImportCommandTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public ExportImportCommandTests()
    {
        Directory.CreateDirectory(Exports);
        Directory.CreateDirectory(_folder.Combine("repo"));
        File.WriteAllText(ConfigPath, $"""
            lockPath: {_folder.Combine("locks")}
            repositories:
              - name: local
                path: {_folder.Combine("repo")}
            servers:
              - name: pg1
                connection: "Host=/nonexistent;Username=postgres"
                pgdata: /var/lib/postgresql/15/main
            exports:
              path: {Exports}
            """);
    }

    private string ConfigPath => _folder.Combine("pgark.yaml");

    private string Exports => _folder.Combine("exports");

    private OperationContext Remote => new OperationContext(ConfigLoader.Parse(File.ReadAllText(ConfigPath), ConfigPath, _ => null), selfCommand: "pgark")
        .For(OperationCaller.Remote);

    private async Task<(int Exit, string Stdout, string Stderr)> CliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await PgArk.Cli.Program.RunAsync(["--config", ConfigPath, .. args], stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static Task<OperationInvocation> InvokeAsync(OperationContext context, string tool, object arguments) =>
        OperationRegistry.Default.InvokeAsync(context, tool, JsonSerializer.SerializeToElement(arguments), CancellationToken.None);

    [Fact]
    public async Task ExportAndImport_AreTheGeneratedCommands_WithTheReadmeOptions()
    {
        var export = await CliAsync("export", "--help");
        Assert.Equal(0, export.Exit);
        Assert.Contains("export-table [options]", export.Stdout);
        foreach (var option in new[] { "--server", "--database", "--table", "--format", "--where", "--limit", "--to", "KEY=VALUE; repeat for more" })
        {
            Assert.Contains(option, export.Stdout);
        }
        var import = await CliAsync("import", "--help");
        Assert.Equal(0, import.Exit);
        foreach (var option in new[] { "--from", "--on-conflict", "--yes", "--no-header" })
        {
            Assert.Contains(option, import.Stdout);
        }
    }

    [Fact]
    public async Task UpdateImport_WithoutYes_OnNoTerminal_IsRefusedWithExit4_BeforeAnythingRuns()
    {
        var file = Path.Combine(Exports, "rows.csv");
        await File.WriteAllTextAsync(file, "id\n1\n");
        var refused = await CliAsync("import", "--server", "pg1", "--database", "shop", "--table", "t", "--format", "csv", "--from", file,
            "--on-conflict", "update");
        Assert.True(refused.Exit == 4, refused.Stderr);
        Assert.Contains("needs confirmation", refused.Stderr);
        Assert.Contains("add --yes", refused.Stderr);

        // Any other import needs no --yes on the command line: it goes on, to the (missing) server, and fails there, not on confirmation.
        var skip = await CliAsync("import", "--server", "pg1", "--database", "shop", "--table", "t", "--format", "csv", "--from", file, "--on-conflict", "skip",
            "--no-header");
        Assert.NotEqual(0, skip.Exit);
        Assert.DoesNotContain("confirmation", skip.Stderr);
        var missing = await CliAsync("import", "--server", "pg1", "--database", "shop", "--table", "t", "--format", "csv", "--from", _folder.Combine("none.csv"));
        Assert.True(missing.Exit == 3, missing.Stderr);
        Assert.Contains($"file '{_folder.Combine("none.csv")}' does not exist", missing.Stderr);
    }

    [Fact]
    public async Task WherePairs_AreCheckedOnTheCommandLine()
    {
        var twice = await CliAsync("export", "--server", "pg1", "--database", "shop", "--table", "t", "--format", "csv", "--where", "a=1", "--where", "a=2");
        Assert.Equal(2, twice.Exit);
        Assert.Contains("--where: 'a' is given twice", twice.Stderr);
        var bare = await CliAsync("export", "--server", "pg1", "--database", "shop", "--table", "t", "--format", "csv", "--where", "a");
        Assert.Equal(2, bare.Exit);
        Assert.Contains("--where 'a' is not KEY=VALUE", bare.Stderr);
    }

    [Fact]
    public async Task Ask_AModelsExportStep_IsConfinedLikeAnApiCall_EvenOnTheCommandLine()
    {
        var local = new OperationContext(ConfigLoader.Parse(File.ReadAllText(ConfigPath), ConfigPath, _ => null), selfCommand: "pgark");
        var runner = new PgArk.Assistant.Execution.PlanRunner(local, OperationRegistry.Default,
            new PgArk.Assistant.Routing.ServerDirectory(local, []));
        var escape = _folder.Combine("outside", "escape.csv");
        var step = new PgArk.Assistant.Planning.PlanStep("pg1", "export_table",
            new() { ["server"] = "pg1", ["database"] = "shop", ["table"] = "t", ["format"] = "csv", ["to"] = escape });
        var plan = new PgArk.Assistant.Planning.Plan([step], PgArk.Assistant.Planning.PlanSources.Model);

        var refused = await Assert.ThrowsAsync<RefusedException>(() => runner.RunAsync(plan, step, confirmed: true, CancellationToken.None));

        Assert.Equal($"'{escape}' is outside the export folder '{Exports}'", refused.Message);
        Assert.False(File.Exists(escape));
    }

    [Fact]
    public async Task ApiCallers_NameFilesInsideTheExportFolderOnly_AndConfirmEveryImport()
    {
        var context = Remote;
        var noFile = await Assert.ThrowsAsync<UsageException>(() => InvokeAsync(context, "export_table",
            new { server = "pg1", database = "shop", table = "t", format = "csv" }));
        Assert.Equal("argument 'to' is required: the file to write, a name relative to the export folder (exports.path)", noFile.Message);
        var outside = await Assert.ThrowsAsync<RefusedException>(() => InvokeAsync(context, "export_table",
            new { server = "pg1", database = "shop", table = "t", format = "csv", to = "/tmp/escape.csv" }));
        Assert.Equal($"'/tmp/escape.csv' is outside the export folder '{Exports}'", outside.Message);
        var read = await Assert.ThrowsAsync<RefusedException>(() => InvokeAsync(context, "import_table",
            new { server = "pg1", database = "shop", table = "t", format = "csv", from = ConfigPath, confirm = true }));
        Assert.Equal($"'{ConfigPath}' is outside the export folder '{Exports}'", read.Message);
        var unconfirmed = await Assert.ThrowsAsync<ConfirmationRequiredException>(() => InvokeAsync(context, "import_table",
            new { server = "pg1", database = "shop", table = "t", format = "csv", from = "rows.csv", on_conflict = "skip" }));
        Assert.Equal("'import_table' is destructive and needs confirmation", unconfirmed.Message);
        Assert.False(File.Exists("/tmp/escape.csv"));
    }

    [Fact]
    public void Schemas_KeepTheApiArguments_ConfirmRequiredForImport()
    {
        var export = OperationRegistry.Default.Get("export_table");
        Assert.Equal(["server", "database", "table", "format", "where", "limit", "to"], export.ArgumentNames);
        var import = OperationRegistry.Default.Get("import_table");
        Assert.Equal(["server", "database", "table", "format", "from", "on_conflict", "has_headers"], import.ArgumentNames);
        Assert.Contains("confirm", import.InputSchema["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        // The command line asks for --yes only when rows are overwritten; an API caller always.
        foreach (var (conflict, local) in new[] { (ConflictAction.Error, false), (ConflictAction.Skip, false), (ConflictAction.Update, true) })
        {
            var input = new ImportInput("pg1", "shop", "t", DataFormat.Csv, "f.csv", conflict);
            Assert.Equal(local, import.NeedsConfirmation(input, OperationCaller.Local));
            Assert.True(import.NeedsConfirmation(input, OperationCaller.Remote));
        }
    }

    public void Dispose() => _folder.Dispose();
}
