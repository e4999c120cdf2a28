using System.Globalization;
using System.Text;

namespace PgArk.Server.Api;

/// <summary>Prometheus text exposition format 0.0.4: HELP and TYPE once per metric family, then its samples.</summary>
internal sealed class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly Dictionary<string, List<string>> _families = new(StringComparer.Ordinal);
    private readonly List<(string Name, string Type, string Help)> _order = [];

    public void Describe(string name, string type, string help)
    {
        if (_families.TryAdd(name, []))
        {
            _order.Add((name, type, help));
        }
    }

    public void Sample(string name, double value, params (string Name, string? Value)[] labels)
    {
        var line = new StringBuilder(name);
        var present = labels.Where(l => l.Value is not null).ToList();
        if (present.Count > 0)
        {
            line.Append('{').AppendJoin(',', present.Select(l => $"{l.Name}=\"{Escape(l.Value!)}\"")).Append('}');
        }
        line.Append(' ').Append(Format(value));
        _families[name].Add(line.ToString());
    }

    public override string ToString()
    {
        _text.Clear();
        foreach (var (name, type, help) in _order)
        {
            _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var sample in _families[name])
            {
                _text.Append(sample).Append('\n');
            }
        }
        return _text.ToString();
    }

    private static string Format(double value) => double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
