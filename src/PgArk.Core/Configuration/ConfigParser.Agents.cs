using YamlDotNet.RepresentationModel;

namespace PgArk.Core.Configuration;

/// <summary>Parsing of <c>agents</c> and <c>assistant</c> (docs/configuration.md, "agents" and "assistant").</summary>
internal sealed partial class ConfigParser
{
    private static readonly string[] s_agentKeys = ["name", "url", "apiKeyEnv"];
    private static readonly string[] s_assistantKeys = ["provider", "url", "model", "apiKeyEnv", "timeoutSeconds"];
    private static readonly (string, AssistantProvider)[] s_providers = [("ollama", AssistantProvider.Ollama), ("openai", AssistantProvider.OpenAi)];

    private List<AgentOptions> ParseAgents(YamlMappingReader root)
    {
        var result = new List<AgentOptions>();
        var list = root.Sequence("agents");
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; list is not null && i < list.Children.Count; i++)
        {
            var path = ConfigProblems.Item("agents", i);
            if (list.Children[i] is not YamlMappingNode node)
            {
                _problems.Add(path, "expected a mapping with name, url and apiKeyEnv");
                continue;
            }
            var reader = new YamlMappingReader(node, path, s_agentKeys, [], _problems);
            var name = Name(reader, seen, "agent");
            var url = HttpUrl(reader, "url", required: true);
            var keyEnv = reader.Scalar("apiKeyEnv");
            if (name is not null && url is not null)
            {
                result.Add(new AgentOptions(name, url, keyEnv));
            }
        }
        return result;
    }

    private AssistantOptions? ParseAssistant(YamlMappingReader root)
    {
        if (root.Mapping("assistant") is not { } node)
        {
            return null;
        }
        var reader = new YamlMappingReader(node, "assistant", s_assistantKeys, [], _problems);
        var provider = reader.Has("provider") ? reader.Choice("provider", s_providers) : null;
        if (!reader.Has("provider"))
        {
            _problems.Add(reader.ChildPath("provider"), "required (ollama or openai)");
        }
        var url = HttpUrl(reader, "url", required: true);
        var model = reader.Scalar("model", required: true);
        var timeout = reader.PositiveInt("timeoutSeconds") ?? AssistantOptions.DefaultTimeoutSeconds;
        return provider is null || url is null || model is null
            ? null
            : new AssistantOptions(provider.Value, url, model, reader.Scalar("apiKeyEnv"), timeout);
    }

    private Uri? HttpUrl(YamlMappingReader reader, string key, bool required)
    {
        var text = reader.Scalar(key, required);
        if (text is null)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            _problems.Add(reader.ChildPath(key), $"'{text}' is not an http:// or https:// URL");
            return null;
        }
        return uri;
    }
}
