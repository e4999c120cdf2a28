using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PgArk.Assistant.Parsing;
using PgArk.Assistant.Routing;

// Plans every request of the assistant's test corpus with the deterministic parser (no model, no network) and prints
// per-plan latency: the first plan (cold: regexes and JIT) and percentiles over the warm rounds.
// Usage: PgArk.Assistant.Bench CORPUS.json [ROUNDS]
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: PgArk.Assistant.Bench CORPUS.json [ROUNDS]");
    return 2;
}
var corpus = JsonNode.Parse(File.ReadAllText(args[0]))!;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var catalog = new DatabaseCatalog(corpus["servers"]!.AsObject().Select(s => (s.Key, s.Value!.AsArray().Select(d => d!.GetValue<string>()))));
var requests = corpus["cases"]!.AsArray().Select(c => c!["request"]!.GetValue<string>()).ToList();
var parser = new RequestParser(catalog, TimeProvider.System, TimeZoneInfo.Utc);

var cold = Stopwatch.StartNew();
parser.Parse(requests[0]);
cold.Stop();
var samples = new List<double>(requests.Count * rounds);
for (var round = 0; round < rounds; round++)
{
    foreach (var request in requests)
    {
        var watch = Stopwatch.StartNew();
        parser.Parse(request);
        samples.Add(watch.Elapsed.TotalMilliseconds);
    }
}
samples.Sort();
double Percentile(double p) => samples[Math.Min(samples.Count - 1, (int)(p * samples.Count))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"requests={requests.Count} rounds={rounds} cold_first_plan_ms={cold.Elapsed.TotalMilliseconds:0.00} p50_ms={Percentile(0.5):0.000} p99_ms={Percentile(0.99):0.000} max_ms={samples[^1]:0.000}"));
return 0;
