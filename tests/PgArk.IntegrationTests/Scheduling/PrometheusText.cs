using System.Globalization;

namespace PgArk.IntegrationTests.Scheduling;

/// <summary>A strict reader of the Prometheus text format: every line is a comment or "name{labels} value"; duplicate series fail.</summary>
public static class PrometheusText
{
    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                Assert.True(typed.Add(line.Split(' ')[2]), $"TYPE given twice: {line}");
                continue;
            }
            if (line.StartsWith('#'))
            {
                continue;
            }
            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, $"not a sample: {line}");
            var series = line[..space];
            var name = series.Split('{')[0];
            Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
            Assert.Contains(name, typed);
            Assert.True(samples.TryAdd(series, double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture)), $"duplicate series {series}");
        }
        return samples;
    }
}
