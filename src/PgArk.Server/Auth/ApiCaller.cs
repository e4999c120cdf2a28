using System.Security.Claims;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;

namespace PgArk.Server.Auth;

/// <summary>
/// The authenticated caller as a ClaimsPrincipal, the form the MCP SDK carries with each message to the tool handlers,
/// so REST and MCP check roles with the same rule.
/// </summary>
internal static class ApiCaller
{
    private const string AuthenticationType = "pgark-api-key";

    public static ClaimsPrincipal ToPrincipal(ApiKeyOptions key) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.NameIdentifier, key.Name), new Claim(ClaimTypes.Role, key.Role.ToString())],
        AuthenticationType));

    /// <summary>The key behind <paramref name="principal"/>, or null for a local caller (stdio, --no-auth): no role limit.</summary>
    public static (string Name, OperationRole Role)? FromPrincipal(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.AuthenticationType != AuthenticationType)
        {
            return null;
        }
        var role = Enum.Parse<OperationRole>(principal.FindFirst(ClaimTypes.Role)!.Value);
        return (principal.FindFirst(ClaimTypes.Name)!.Value, role);
    }

    /// <summary>The message a caller gets when its role is below what the operation needs (REST 403, MCP tool error).</summary>
    public static string? Refusal(string keyName, OperationRole keyRole, string what, OperationRole needed) => keyRole >= needed
        ? null
        : $"key '{keyName}' has role {keyRole.ToString().ToLowerInvariant()}; '{what}' needs {needed.ToString().ToLowerInvariant()}";
}
