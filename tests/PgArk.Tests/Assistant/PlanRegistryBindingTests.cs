using System.Text.Json.Nodes;
using PgArk.Assistant.Models;
using PgArk.Core.Operations;
using PgArk.Core.Operations.Registry;

namespace PgArk.Tests.Assistant;

/// <summary>
/// Every step the parser plans for the corpus must be callable as is: its operation is in the registry and its arguments
/// pass the operation's JSON schema (names, JSON types, enums) and bind to the operation's real arguments record — the
/// same binding /invoke, MCP and the local runner do.
/// </summary>
public class PlanRegistryBindingTests
{
    private static readonly JsonObject s_corpus = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Assistant", "corpus.json")))!;

    private static IEnumerable<(string Request, string? Zone)> Cases() =>
        s_corpus["cases"]!.AsArray().Where(c => c!["steps"] is JsonArray { Count: > 0 })
            .Select(c => (c!["request"]!.GetValue<string>(), c["zone"]?.GetValue<string>()));

    public static TheoryData<string, string?> RequestsWithSteps()
    {
        var data = new TheoryData<string, string?>();
        foreach (var (request, zone) in Cases())
        {
            data.Add(request, zone);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RequestsWithSteps))]
    public void CorpusStep_BindsAgainstTheRegistry(string request, string? zone)
    {
        var plan = PlanCorpusTests.CreateParser(zone).Parse(request);

        Assert.NotEmpty(plan.Steps);
        foreach (var step in plan.Steps)
        {
            var operation = OperationRegistry.Default.Get(step.Operation);
            Assert.Equal(step.Operation, operation.Name);
            Assert.Null(ArgumentSchemaCheck.Problem(operation.InputSchema, step.Arguments, []));
            var arguments = (JsonObject)step.Arguments.DeepClone();
            if (operation.TakesConfirm)
            {
                arguments[OperationRegistry.ConfirmArgument] = true;
            }
            var bound = ArgumentBinder.Bind(operation, arguments, OperationCaller.Remote);
            if (bound is RestoreDatabaseInput restore)
            {
                // The target the operation will actually use: a time it can parse, or "latest".
                Assert.NotNull(restore.ParseTarget());
            }
        }
    }

    [Fact]
    public void Corpus_EveryPlannedOperationIsRegistered()
    {
        var planned = Cases().SelectMany(c => PlanCorpusTests.CreateParser(c.Zone).Parse(c.Request).Steps).Select(s => s.Operation)
            .ToHashSet(StringComparer.Ordinal);
        var missing = planned.Where(o => OperationRegistry.Default.Operations.All(r => r.Name != o)).Order(StringComparer.Ordinal).ToList();

        Assert.True(missing.Count == 0, $"planned but not in the registry: {string.Join(", ", missing)}");
        Assert.Contains("restore_database", planned);
        Assert.Contains("schedule", planned);
    }

    [Fact]
    public void Runner_OperationUnknownToTheRegistry_IsTreatedAsDestructive()
    {
        var runner = new PgArk.Assistant.Execution.PlanRunner(null!, OperationRegistry.Default, null!);

        Assert.True(runner.IsDestructive(new PgArk.Assistant.Planning.PlanStep("pg1", "drop_everything", [])));
        Assert.True(runner.IsDestructive(new PgArk.Assistant.Planning.PlanStep("pg1", "restore_database", [])));
        Assert.False(runner.IsDestructive(new PgArk.Assistant.Planning.PlanStep("pg1", "list_backups", [])));
    }
}
