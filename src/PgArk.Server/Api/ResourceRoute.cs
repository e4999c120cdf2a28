namespace PgArk.Server.Api;

/// <summary>
/// A REST resource route bound to one registry operation. Route parameters carry the operation's argument names
/// ({server}, {dump}), so a route adds no argument mapping of its own; the query string (and for POST/DELETE a JSON
/// body) supplies the rest. Long-running operations answer 202 with a job.
/// </summary>
internal sealed record ResourceRoute(string Method, string Pattern, string Operation, string Summary)
{
    /// <summary>Every resource route besides the hand-written ones in <see cref="ApiEndpoints"/> (GET backups, servers, databases).</summary>
    public static IReadOnlyList<ResourceRoute> All { get; } =
    [
        new("GET", "/api/health", "health", "Connection, archiving and repository health of each server"),
        new("GET", "/api/servers/{server}/info", "info", "Backups, archived WAL ranges and the recoverable window of a server"),
        new("POST", "/api/servers/{server}/backups", "backup", "Start a physical backup (body: type, label, jobs); answers 202 with a job"),
        new("POST", "/api/servers/{server}/restore", "restore", "Restore a backup into a data directory (admin; \"confirm\": true)"),
        new("POST", "/api/servers/{server}/verify", "verify", "Verify checksums and chains of the repository's backups"),
        new("POST", "/api/servers/{server}/verify-restore", "verify_restore", "Test-restore a backup into a sandbox cluster and check it"),
        new("POST", "/api/servers/{server}/expire", "expire", "Apply retention to backups and WAL (admin; \"confirm\": true)"),
        new("POST", "/api/servers/{server}/check", "check", "Check connection, settings and the archive_command round trip"),
        new("POST", "/api/servers/{server}/init", "init", "Create the server's area in its repositories"),
        new("GET", "/api/servers/{server}/dumps", "list_dumps", "Logical dumps of a server (query: database)"),
        new("POST", "/api/servers/{server}/dumps", "dump", "Start a logical dump of one database (body: database, mode, tables)"),
        new("POST", "/api/servers/{server}/dumps/expire", "expire_dumps", "Apply retention to logical dumps (admin; \"confirm\": true)"),
        new("POST", "/api/servers/{server}/dumps/{dump}/restore", "dump_restore", "Restore a logical dump (admin; \"confirm\": true)"),
        new("POST", "/api/servers/{server}/dumps/{dump}/verify", "verify_dump", "Verify a dump's checksums"),
        new("POST", "/api/servers/{server}/dumps/{dump}/verify-restore", "verify_dump_restore", "Restore a dump into a scratch database and check it"),
        new("DELETE", "/api/servers/{server}/dumps/{dump}", "delete_dump", "Delete a logical dump (admin; confirm=true)"),
    ];

    /// <summary>Names of the route's parameters, e.g. ["server", "dump"].</summary>
    public IReadOnlyList<string> RouteParameters => Pattern.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}')).ToList();
}
