using System.CommandLine;
using PgArk.Cli.Rendering;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Server.Api;
using PgArk.Server.Auth;
using PgArk.Server.Mcp;

namespace PgArk.Cli.Commands;

/// <summary><c>pgark serve</c>, <c>pgark mcp</c> and <c>pgark key create</c>.</summary>
internal static class ServerCommands
{
    public static Command CreateServe(CommandFactory factory)
    {
        var urls = new Option<string?>("--urls") { Description = $"Listen URL (default: api.urls from pgark.yaml, else {ApiHostOptions.DefaultUrl})" };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow a non-loopback listen address" };
        var noAuth = new Option<bool>("--no-auth") { Description = "Accept calls without an API key (loopback only; for local experiments)" };
        return factory.Create("serve", "REST API (POST /invoke, /api/..., /openapi.json) over the operation registry", async (context, ct) =>
        {
            var operationContext = context.LoadOperationContext();
            var options = new ApiHostOptions(operationContext,
                context.ParseResult.GetValue(urls) ?? operationContext.Options.Api?.Urls ?? ApiHostOptions.DefaultUrl,
                context.ParseResult.GetValue(noAuth), context.ParseResult.GetValue(allowRemote), context.LoggerFactory);
            options.Validate();
            if (options.NoAuth)
            {
                await context.Error.WriteLineAsync("pgark: WARNING: --no-auth: every local process can run every operation, restore included");
            }
            await ApiHost.ServeAsync(options, address => context.Error.WriteLineAsync($"pgark: listening on {address}"), ct);
            return 0;
        }, urls, allowRemote, noAuth);
    }

    public static Command CreateMcp(CommandFactory factory) =>
        factory.Create("mcp", "MCP server over stdio: the operation registry as tools (stdout is the protocol; logs go to stderr)", async (context, ct) =>
        {
            var operationContext = context.LoadOperationContext();
            try
            {
                await McpToolServer.RunStdioAsync(operationContext, context.LoggerFactory, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            return 0;
        });

    public static Command CreateKey(CommandFactory factory)
    {
        var name = new Option<string>("--name") { Description = "Name of the key (shown in logs and errors)", DefaultValueFactory = _ => "api" };
        var role = new Option<OperationRole>("--role") { Description = "viewer, operator or admin", Required = true };
        var create = factory.Create("create", "Create a new API key: prints the key once and the line to add under api.keys", async (context, ct) =>
        {
            var keyName = context.ParseResult.GetValue(name)!;
            ApiKeys.ValidateName(keyName);
            var keyRole = context.ParseResult.GetValue(role).ToString().ToLowerInvariant();
            var (key, sha256) = ApiKeys.Create();
            if (context.Format == OutputFormat.Json)
            {
                await Output.WriteJsonAsync(context.Out, new { name = keyName, role = keyRole, key, sha256 });
                return 0;
            }
            await context.Out.WriteLineAsync($"key: {key}");
            await context.Out.WriteLineAsync("(shown only now; pgark stores its SHA-256 only)");
            await context.Out.WriteLineAsync("add under api.keys in pgark.yaml:");
            await context.Out.WriteLineAsync($"  - {{ name: {keyName}, sha256: \"{sha256}\", role: {keyRole} }}");
            return 0;
        }, name, role);
        var key = new Command("key", "API keys for pgark serve");
        key.Subcommands.Add(create);
        return key;
    }
}
