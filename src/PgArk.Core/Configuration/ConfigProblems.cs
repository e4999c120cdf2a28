using System.Text;
using PgArk.Core.Errors;

namespace PgArk.Core.Configuration;

/// <summary>
/// Collects every validation problem, each with its YAML path, so one run reports them all
/// (<c>servers[1].pgdata: required</c>).
/// </summary>
internal sealed class ConfigProblems
{
    private readonly List<string> _lines = [];

    public int Count => _lines.Count;

    public void Add(string path, string problem) => _lines.Add($"{path}: {problem}");

    public void ThrowIfAny(string sourcePath)
    {
        if (_lines.Count == 0)
        {
            return;
        }

        var message = new StringBuilder($"invalid configuration {sourcePath}:");
        foreach (var line in _lines)
        {
            message.Append("\n  ").Append(line);
        }

        throw new ConfigurationException(message.ToString());
    }

    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static string Item(string path, int index) => $"{path}[{index}]";
}
