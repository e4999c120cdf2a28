using PgArk.Core.Configuration;
using PgArk.Core.Errors;

namespace PgArk.Tests.Assistant;

/// <summary>The <c>agents</c> and <c>assistant</c> sections: a supervisor may list only agents; mistakes reported with their path.</summary>
public class AssistantConfigTests
{
    private const string Source = "/etc/pgark/pgark.yaml";

    [Fact]
    public void Parse_AgentsOnly_IsAValidSupervisorConfig()
    {
        var options = ConfigLoader.Parse("""
            agents:
              - { name: pg1, url: "http://127.0.0.1:8001", apiKeyEnv: MCP1_API_KEY }
              - { name: pg2, url: "http://127.0.0.1:8002/" }
            assistant: { provider: ollama, url: "http://127.0.0.1:11434", model: llama3.1 }
            """, Source);

        Assert.Empty(options.Servers);
        Assert.Equal([("pg1", "http://127.0.0.1:8001/", "MCP1_API_KEY"), ("pg2", "http://127.0.0.1:8002/", null)],
            options.Agents.Select(a => (a.Name, a.Url.ToString(), a.ApiKeyEnv)).ToList());
        Assert.Equal(new AssistantOptions(AssistantProvider.Ollama, new Uri("http://127.0.0.1:11434"), "llama3.1", null, 20), options.Assistant);
    }

    [Fact]
    public void Parse_BadAgentsAndAssistant_EveryProblemWithItsPath()
    {
        var e = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse("""
            agents:
              - { name: pg1, url: "ftp://x" }
              - { name: pg1, url: "http://h:1" }
            assistant: { provider: claude, url: "http://h", timeoutSeconds: 0, colour: blue }
            """, Source));

        Assert.Contains("agents[0].url: 'ftp://x' is not an http:// or https:// URL", e.Message, StringComparison.Ordinal);
        Assert.Contains("agents[1].name: duplicate agent name 'pg1' (also agents[0])", e.Message, StringComparison.Ordinal);
        Assert.Contains("assistant.provider: 'claude' is not one of ollama, openai", e.Message, StringComparison.Ordinal);
        Assert.Contains("assistant.model: required", e.Message, StringComparison.Ordinal);
        Assert.Contains("assistant.timeoutSeconds: must be a positive integer (got 0)", e.Message, StringComparison.Ordinal);
        Assert.Contains("assistant.colour", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoAgentsNoServers_StillRequiresServers()
    {
        var e = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse("lockPath: /tmp/x\n", Source));

        Assert.Contains("servers: required", e.Message, StringComparison.Ordinal);
    }
}
