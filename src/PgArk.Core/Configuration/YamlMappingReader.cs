using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>
/// Typed, path-aware access to one YAML mapping. Construction reports unknown and not-yet-supported keys;
/// each accessor reports a wrong node kind or an unparsable value and then returns null, so the caller can
/// carry on and collect further problems.
/// </summary>
internal sealed class YamlMappingReader
{
    private readonly Dictionary<string, YamlNode> _values = new(StringComparer.Ordinal);
    private readonly ConfigProblems _problems;

    /// <param name="node">The mapping to read.</param>
    /// <param name="path">Its YAML path ("" for the root).</param>
    /// <param name="knownKeys">Keys this mapping accepts.</param>
    /// <param name="reservedKeys">Keys PgArk will accept later; reported as "not supported yet" so they are never silently ignored.</param>
    /// <param name="problems">Where problems go.</param>
    public YamlMappingReader(
        YamlMappingNode node, string path, IReadOnlyCollection<string> knownKeys, IReadOnlyCollection<string> reservedKeys,
        ConfigProblems problems)
    {
        Path = path;
        _problems = problems;
        foreach (var (keyNode, value) in node.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
            {
                problems.Add(path.Length == 0 ? "(root)" : path, $"line {keyNode.Start.Line}: keys must be plain strings");
                continue;
            }

            if (knownKeys.Contains(key))
            {
                _values[key] = value;
            }
            else if (reservedKeys.Contains(key))
            {
                problems.Add(ChildPath(key), "not supported yet");
            }
            else
            {
                var suggestion = KeySuggestion.Closest(key, knownKeys);
                problems.Add(
                    ChildPath(key),
                    suggestion is null
                        ? $"unknown key (known keys: {string.Join(", ", knownKeys)})"
                        : $"unknown key (did you mean '{suggestion}'?)");
            }
        }
    }

    private YamlMappingReader(YamlMappingReader source)
    {
        Path = source.Path;
        _values = source._values;
        _problems = new ConfigProblems();
    }

    /// <summary>The same mapping read without reporting anything (to find out a value's shape before reading it for real).</summary>
    public YamlMappingReader Quiet() => new(this);

    public string Path { get; }

    public string ChildPath(string key) => ConfigProblems.Child(Path, key);

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key) => Node(key) is not null;

    /// <summary>The value of a scalar key, or null when absent, null or not a scalar.</summary>
    public string? Scalar(string key, bool required = false)
    {
        switch (Node(key))
        {
            case null:
                ReportIfRequired(key, required);
                return null;
            case YamlScalarNode { Value: { Length: > 0 } value }:
                return value;
            case YamlScalarNode:
                ReportIfRequired(key, required);
                return null;
            default:
                _problems.Add(ChildPath(key), "expected a single value");
                return null;
        }
    }

    /// <summary>An integer value, or null when absent or invalid (reported).</summary>
    public int? Int(string key)
    {
        var text = Scalar(key);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        _problems.Add(ChildPath(key), $"'{text}' is not an integer");
        return null;
    }

    /// <summary>A positive integer, or null when absent or invalid (reported).</summary>
    public int? PositiveInt(string key)
    {
        var value = Int(key);
        if (value is <= 0)
        {
            _problems.Add(ChildPath(key), $"must be a positive integer (got {value})");
            return null;
        }

        return value;
    }

    /// <summary>An absolute path, or null when absent or relative (reported).</summary>
    public string? AbsolutePath(string key, bool required = false)
    {
        var value = Scalar(key, required);
        if (value is not null && !System.IO.Path.IsPathFullyQualified(value))
        {
            _problems.Add(ChildPath(key), $"'{value}' is not an absolute path");
            return null;
        }

        return value;
    }

    /// <summary>One of <paramref name="names"/> (case-insensitive), or null when absent or not in the list (reported).</summary>
    public T? Choice<T>(string key, IReadOnlyList<(string Name, T Value)> names)
        where T : struct
    {
        var text = Scalar(key);
        if (text is null)
        {
            return null;
        }

        foreach (var (name, value) in names)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        _problems.Add(ChildPath(key), $"'{text}' is not one of {string.Join(", ", names.Select(n => n.Name))}");
        return null;
    }

    public YamlSequenceNode? Sequence(string key, bool required = false) => Get<YamlSequenceNode>(key, required, "a list");

    public YamlMappingNode? Mapping(string key, bool required = false) => Get<YamlMappingNode>(key, required, "a mapping");

    private TNode? Get<TNode>(string key, bool required, string kind)
        where TNode : YamlNode
    {
        switch (Node(key))
        {
            case null:
                ReportIfRequired(key, required);
                return null;
            case TNode node:
                return node;
            default:
                _problems.Add(ChildPath(key), $"expected {kind}");
                return null;
        }
    }

    private YamlNode? Node(string key) =>
        _values.TryGetValue(key, out var node) && !IsNull(node) ? node : null;

    private void ReportIfRequired(string key, bool required)
    {
        if (required)
        {
            _problems.Add(ChildPath(key), "required");
        }
    }

    /// <summary>YAML's null: an empty plain value, <c>~</c> or <c>null</c>.</summary>
    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };
}
