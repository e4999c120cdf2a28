namespace PgArk.Assistant.Routing;

/// <summary>
/// Where a server named in a plan lives: in this process's configuration (<see cref="Agent"/> null) or behind an agent.
/// </summary>
/// <param name="Name">The name plans use: the server's own name, or "agent/server" when two places use the same name.</param>
/// <param name="RemoteName">The name the owning configuration (local or the agent's) knows it by.</param>
public sealed record ServerRoute(string Name, string RemoteName, AgentClient? Agent)
{
    public string Location => Agent is null ? "local" : $"agent {Agent.Name} ({Agent.BaseAddress})";
}
