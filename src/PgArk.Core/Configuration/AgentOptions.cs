namespace PgArk.Core.Configuration;

/// <summary>
/// One remote <c>pgark serve</c> the assistant (supervisor) may route to (YAML <c>agents[]</c>).
/// </summary>
/// <param name="Name">Unique agent name (used in messages).</param>
/// <param name="Url">Base URL of the agent; requests go to <c>{Url}/invoke</c>.</param>
/// <param name="ApiKeyEnv">Environment variable holding the agent's API key (bearer); null for an agent run with --no-auth.</param>
public sealed record AgentOptions(string Name, Uri Url, string? ApiKeyEnv);

/// <summary>Which language-model protocol the assistant speaks (YAML <c>assistant.provider</c>).</summary>
public enum AssistantProvider
{
    Ollama,
    OpenAi,
}

/// <summary>The optional language model of <c>pgark ask</c> (YAML <c>assistant</c>); without it the deterministic parser plans alone.</summary>
/// <param name="Url">Base URL: Ollama's (http://127.0.0.1:11434) or an OpenAI-compatible one (…/v1 is added when missing).</param>
/// <param name="ApiKeyEnv">Environment variable holding the bearer key (OpenAI-compatible servers); null for none.</param>
/// <param name="TimeoutSeconds">How long to wait for the model before falling back to the parser (default 20).</param>
public sealed record AssistantOptions(AssistantProvider Provider, Uri Url, string Model, string? ApiKeyEnv, int TimeoutSeconds)
{
    public const int DefaultTimeoutSeconds = 20;
}
