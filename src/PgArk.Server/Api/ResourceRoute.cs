using PgArk.Core.Operations.Registry;

namespace PgArk.Server.Api;

/// <summary>
/// A REST resource route bound to one registry operation, as the operation declares it (<c>Operation.Route</c>). Route
/// parameters carry the operation's argument names ({server}, {dump}), so a route adds no argument mapping of its own;
/// the query string (and for POST/DELETE a JSON body) supplies the rest. Long-running operations answer 202 with a job.
/// </summary>
internal sealed record ResourceRoute(string Method, string Pattern, string Operation, string Summary)
{
    /// <summary>Every route the registry's operations declare, besides the hand-written ones in <see cref="ApiEndpoints"/>.</summary>
    public static IReadOnlyList<ResourceRoute> From(OperationRegistry registry) => registry.Operations
        .Where(o => o.Route is not null)
        .Select(o => new ResourceRoute(o.Route!.Method, o.Route.Pattern, o.Name, o.Route.Summary))
        .ToList();

    /// <summary>Names of the route's parameters, e.g. ["server", "dump"].</summary>
    public IReadOnlyList<string> RouteParameters => Pattern.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}')).ToList();
}
