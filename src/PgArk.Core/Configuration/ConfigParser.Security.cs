using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>The keys that confine what API callers can reach: browser origins and hosts (api), restore targets (restore).</summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_restoreKeys = ["roots"];

    private IReadOnlyList<string> AllowedOrigins(YamlMappingReader api) => Strings(api, "allowedOrigins", (path, value) =>
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.PathAndQuery != "/" || value.EndsWith('/') || uri.UserInfo.Length > 0)
        {
            _problems.Add(path, $"'{value}' is not an origin (expected scheme://host[:port], e.g. https://ops.example.com)");
            return null;
        }
        return value.ToLowerInvariant();
    });

    private IReadOnlyList<string> AllowedHosts(YamlMappingReader api) => Strings(api, "allowedHosts", (path, value) =>
    {
        if (Uri.CheckHostName(value) == UriHostNameType.Unknown)
        {
            _problems.Add(path, $"'{value}' is not a host name (give the name only, without scheme or port)");
            return null;
        }
        return value.ToLowerInvariant();
    });

    private RestoreRootsOptions? ParseRestore(YamlMappingReader root)
    {
        if (root.Mapping("restore") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, "restore", s_restoreKeys, [], _problems);
        var roots = Strings(reader, "roots", (path, value) =>
        {
            if (!Path.IsPathFullyQualified(value))
            {
                _problems.Add(path, $"'{value}' is not an absolute path");
                return null;
            }
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(value));
            if (full == "/")
            {
                _problems.Add(path, "'/' would let API restores write anywhere; name the folders restores may use");
                return null;
            }
            return full;
        });
        return new RestoreRootsOptions(roots);
    }

    /// <summary>A list of non-empty scalars under <paramref name="key"/>, each checked by <paramref name="check"/> (null: reported, skipped).</summary>
    private List<string> Strings(YamlMappingReader reader, string key, Func<string, string, string?> check)
    {
        var result = new List<string>();
        if (reader.Sequence(key) is not { } list)
        {
            return result;
        }
        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item(reader.ChildPath(key), i);
            if (list.Children[i] is not YamlScalarNode { Value: { Length: > 0 } value })
            {
                _problems.Add(path, "expected a non-empty string");
            }
            else if (check(path, value) is { } checkedValue)
            {
                result.Add(checkedValue);
            }
        }
        return result;
    }
}
