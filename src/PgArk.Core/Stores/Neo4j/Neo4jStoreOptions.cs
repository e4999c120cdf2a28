using PgArk.Core.Configuration;

namespace PgArk.Core.Stores.Neo4j;

/// <summary>Which <c>neo4j-admin</c> syntax to use: Neo4j 5 (<c>neo4j-admin database dump</c>) or 4.x (<c>neo4j-admin dump</c>).</summary>
internal enum Neo4jAdminSyntax
{
    V5,
    V4,
}

/// <summary>A Neo4j server (<c>stores[]</c> with <c>type: neo4j</c>), dumped and loaded with <c>neo4j-admin</c>.</summary>
/// <param name="Databases">Databases to dump (at least one; default <c>neo4j</c>).</param>
/// <param name="AdminCommand">The <c>neo4j-admin</c> executable (a name on PATH or an absolute path).</param>
/// <param name="Syntax">Neo4j 5 or 4.x command syntax.</param>
/// <param name="Home">NEO4J_HOME for <c>neo4j-admin</c>; null: inherited.</param>
/// <param name="ConfigFolder">NEO4J_CONF for <c>neo4j-admin</c>; null: inherited.</param>
/// <param name="HttpUrl">Base URL of the HTTP API (<c>http://neo4j:7474</c>) used to count nodes and relationships; null: no validation.</param>
/// <param name="Username">HTTP basic-auth user (default <c>neo4j</c>).</param>
/// <param name="Password">HTTP basic-auth password (password, passwordEnv or passwordFile); null: no authentication.</param>
internal sealed record Neo4jStoreOptions(string Name, string Repository, IReadOnlyList<string> Databases, string AdminCommand, Neo4jAdminSyntax Syntax,
    string? Home, string? ConfigFolder, Uri? HttpUrl, string Username, SecretSource? Password) : StoreOptions(Name, Repository)
{
    public override StoreKind Kind => StoreKind.Neo4j;

    /// <summary>Seconds a dump or load may take; default 6 hours.</summary>
    public int TimeoutSeconds { get; init; } = 6 * 3600;
}
