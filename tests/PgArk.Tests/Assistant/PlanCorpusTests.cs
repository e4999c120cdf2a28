using System.Text.Json.Nodes;
using PgArk.Assistant.Parsing;
using PgArk.Assistant.Routing;

namespace PgArk.Tests.Assistant;

/// <summary>
/// Every phrasing in corpus.json planned by the deterministic parser against seed 000's six databases (plus shared_db on
/// both servers), a clock stopped at the corpus' "now", and the corpus' zone (or the case's own).
/// </summary>
public class PlanCorpusTests
{
    private static readonly JsonObject s_corpus = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Assistant", "corpus.json")))!;

    public static TheoryData<string> Requests()
    {
        var data = new TheoryData<string>();
        foreach (var item in s_corpus["cases"]!.AsArray())
        {
            data.Add(item!["request"]!.GetValue<string>());
        }
        return data;
    }

    [Fact]
    public void Corpus_HasAtLeastEightyDistinctPhrasings()
    {
        var requests = s_corpus["cases"]!.AsArray().Select(c => c!["request"]!.GetValue<string>()).ToList();
        Assert.True(requests.Count >= 80, $"{requests.Count} phrasings");
        Assert.Equal(requests.Count, requests.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void Parse_CorpusPhrasing_GivesExpectedPlan(string request)
    {
        var item = s_corpus["cases"]!.AsArray().First(c => c!["request"]!.GetValue<string>() == request)!;
        var plan = CreateParser(item["zone"]?.GetValue<string>()).Parse(request);
        var actual = plan.ToJson();
        if (item["answer"] is { } answer)
        {
            Assert.Empty(plan.Steps);
            Assert.Contains(answer.GetValue<string>(), plan.Message ?? "", StringComparison.Ordinal);
            return;
        }
        Assert.True(JsonNode.DeepEquals(item["steps"], actual["steps"]),
            $"expected {item["steps"]!.ToJsonString()}{Environment.NewLine}actual   {actual["steps"]!.ToJsonString()} ({plan.Message})");
    }

    internal static RequestParser CreateParser(string? zone = null)
    {
        var servers = s_corpus["servers"]!.AsObject()
            .Select(s => (s.Key, s.Value!.AsArray().Select(d => d!.GetValue<string>())));
        var now = DateTimeOffset.Parse(s_corpus["now"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone ?? s_corpus["zone"]!.GetValue<string>());
        // Stores (name → kind) the requests may name: "back up the vector store", "restore neo4j from last night".
        var stores = s_corpus["stores"]?.AsObject().Select(s => (s.Key, s.Value!.GetValue<string>())) ?? [];
        return new RequestParser(new DatabaseCatalog(servers, stores), new FixedClock(now), timeZone);
    }
}
