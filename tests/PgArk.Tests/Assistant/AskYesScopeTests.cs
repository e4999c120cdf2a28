using System.Text.Json.Nodes;
using PgArk.Assistant.Parsing;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Assistant;

/// <summary>
/// Issue 13 item 7: <c>ask --yes</c> confirms only destructive steps of the kinds the request names. A model that answers
/// "list backups" with a delete is refused even with --yes (no terminal here to ask on), and nothing runs.
/// </summary>
public class AskYesScopeTests
{
    [Theory]
    [InlineData("list backups for pg1", "delete_backup", false)]
    [InlineData("show me the backups of customer_db", "delete_backup", false)]
    [InlineData("delete backup 20250910-103000F of pg1", "delete_backup", true)]
    [InlineData("remove the old dumps of finance_db", "delete_dump", true)]
    [InlineData("list backups for pg1", "expire", false)]
    [InlineData("prune old backups on pg1", "expire", true)]
    [InlineData("test restore of pg2", "restore", false)]
    [InlineData("verify restore of pg2", "restore_database", false)]
    [InlineData("roll back hr_db to two hours ago", "restore", true)]
    [InlineData("bring back the orders table in customer_db as it was at 10:30", "restore_table", true)]
    [InlineData("restore the latest dump of finance_db", "dump_restore", true)]
    [InlineData("export table customers from customer_db as csv", "import_table", false)]
    [InlineData("import /tmp/c.csv into customers in customer_db", "import_table", true)]
    public void Asks_OnlyTheKindsTheRequestNames(string request, string operation, bool asked) =>
        Assert.Equal(asked, RequestedKinds.Asks(request, operation));

    [Theory]
    [InlineData("dump_restore", "restore")]
    [InlineData("delete_backup", "delete")]
    [InlineData("expire_dumps", "expire")]
    [InlineData("restore_store", "restore")]
    [InlineData("truncate_history", "truncate")]
    public void KindOf_IsTheDestructiveVerbOfTheName(string operation, string kind) => Assert.Equal(kind, RequestedKinds.KindOf(operation));

    [Fact]
    public async Task AskYes_ModelAnswersAListWithADelete_RefusedNothingRuns_AskedForDelete_PassesTheCheck()
    {
        using var folder = new TemporaryFolder();
        var repository = folder.Combine("repo");
        Directory.CreateDirectory(repository);
        await using var model = new ScriptedModelServer(new JsonObject
        {
            ["model"] = "llama3.1",
            ["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = "",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["function"] = new JsonObject
                    {
                        ["name"] = "delete_backup",
                        ["arguments"] = new JsonObject { ["server"] = "pg1", ["backup_id"] = "20250910-103000F" },
                    },
                }),
            },
            ["done"] = true,
        });
        var config = folder.Combine("pgark.yaml");
        await File.WriteAllTextAsync(config, $"""
            lockPath: {folder.Combine("locks")}
            repositories:
              - name: local
                path: {repository}
            servers:
              - name: pg1
                connection: "Host=/nonexistent;Username=postgres"
                pgdata: /var/lib/postgresql/15/main
            assistant: {"{"} provider: ollama, url: "{model.BaseAddress}", model: llama3.1 {"}"}
            """);

        var (exit, stdout, stderr) = await CliAsync(config, "ask", "--yes", "--server", "pg1", "list backups");

        Assert.True(exit == 4, $"{exit}\n{stdout}\n{stderr}");
        Assert.Contains("'delete_backup' is destructive and the request did not ask for it: --yes confirms only the kinds of step a request names", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pg1 delete_backup:", stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repository));

        // Asked for in so many words, --yes lets the step through to the operation (which then finds no such backup).
        var (askedExit, _, askedError) = await CliAsync(config, "ask", "--yes", "--server", "pg1", "delete backup 20250910-103000F");
        Assert.DoesNotContain("did not ask for it", askedError, StringComparison.Ordinal);
        Assert.NotEqual(0, askedExit);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> CliAsync(string config, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await PgArk.Cli.Program.RunAsync(["--config", config, .. args], stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
