namespace PgArk.Core.Configuration;

internal sealed partial class ConfigParser
{
    private static readonly string[] s_exportsKeys = ["path"];

    private ExportsOptions? ParseExports(YamlMappingReader root)
    {
        if (root.Mapping("exports") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, "exports", s_exportsKeys, [], _problems);
        return reader.AbsolutePath("path", required: true) is { } path ? new ExportsOptions(path) : null;
    }
}
