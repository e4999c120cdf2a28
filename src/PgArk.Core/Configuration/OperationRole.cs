namespace PgArk.Core.Configuration;

/// <summary>
/// Who may run an operation through the API (DESIGN.md, "Security model"). It lives with the configuration because an API
/// key's role is configured (api.keys[].role); operations declare the role they need.
/// </summary>
public enum OperationRole
{
    Viewer,
    Operator,
    Admin,
}
