
namespace PgArk.Core.Configuration;

/// <summary>The <c>api</c> section of <c>pgark.yaml</c>: what <c>pgark serve</c> listens on and who may call it.</summary>
/// <param name="Urls">Listen URLs (YAML <c>api.urls</c>, several separated by ';'); null for the default http://127.0.0.1:8001.</param>
/// <param name="Keys">API keys, names unique; only their SHA-256 is stored.</param>
public sealed record ApiOptions(string? Urls, IReadOnlyList<ApiKeyOptions> Keys)
{
    public static ApiOptions None { get; } = new(null, []);

    /// <summary>
    /// Browser origins (<c>scheme://host[:port]</c>, lowercase, no trailing slash) allowed to call the API (YAML
    /// <c>api.allowedOrigins</c>). A request carrying any other <c>Origin</c> header is refused: browsers send it on
    /// cross-site requests, so an unlisted web page cannot drive the service.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>
    /// Host names (no port, lowercase) clients may put in the <c>Host</c> header besides the listen URLs' own hosts, IP
    /// literals and <c>localhost</c> (YAML <c>api.allowedHosts</c>). Anything else is refused (DNS rebinding).
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>How much one caller, and all of them together, may have running at once (YAML <c>api.limits</c>).</summary>
    public ApiLimits Limits { get; init; } = ApiLimits.Default;
}

/// <summary>
/// Caps on what network callers can start, so that one key (or a model looping on a tool) cannot start backups and
/// verifications until the host runs out of connections, processes or disk bandwidth. Exceeding one is refused at once
/// (REST 429, MCP tool error) rather than queued: the caller decides whether to wait.
/// </summary>
/// <param name="RunningJobs">Long-running operations (jobs and synchronous calls of long-running tools) running at once, all callers together.</param>
/// <param name="RunningJobsPerKey">The same, per API key (with --no-auth all callers share one count).</param>
/// <param name="ConcurrentMcpCalls">MCP tool calls in progress at once, per MCP server (each stdio process, or /mcp of the service).</param>
/// <param name="MaxParallelWorkers">Largest <c>jobs</c> argument (parallel workers: backup, verify, dump, restore) a network caller may give.</param>
/// <param name="McpSessions">
/// MCP sessions of <c>/mcp</c> kept at once (each holds a small MCP server in memory); only clients that declare
/// elicitation get one, so that the service can ask their user to confirm a destructive tool.
/// </param>
/// <param name="McpSessionIdleMinutes">An MCP session nobody used for this long is ended (the client must initialize again).</param>
public sealed record ApiLimits(int RunningJobs = 8, int RunningJobsPerKey = 4, int ConcurrentMcpCalls = 8, int MaxParallelWorkers = 8,
    int McpSessions = 32, int McpSessionIdleMinutes = 30)
{
    public static ApiLimits Default { get; } = new();
}

/// <param name="Sha256">Lowercase hex SHA-256 of the key's UTF-8 text (64 characters).</param>
public sealed record ApiKeyOptions(string Name, string Sha256, OperationRole Role);
