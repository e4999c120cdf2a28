namespace PgArk.Core.Configuration;

/// <summary>
/// What <c>pgark verify-restore</c> checks in the restored sandbox of a server (YAML <c>servers[].verify</c>), validated.
/// Every check is reported by name when it fails.
/// </summary>
/// <param name="Amcheck">Run <c>pg_amcheck --all</c> (creating the amcheck extension where needed). Default true.</param>
/// <param name="Databases">Per-database checks, in configuration order; may be empty.</param>
public sealed record VerifyOptions(bool Amcheck, IReadOnlyList<VerifyDatabaseOptions> Databases)
{
    /// <summary>What runs when a server has no <c>verify</c> section: amcheck only.</summary>
    public static VerifyOptions Default { get; } = new(true, []);
}

/// <summary>Checks in one database of the restored sandbox.</summary>
/// <param name="Name">Database name (must exist in the restored cluster).</param>
/// <param name="Tables">Tables that must exist, each <c>table</c> (schema public) or <c>schema.table</c>.</param>
/// <param name="MinRows">Table → minimum row count (the table must exist too).</param>
/// <param name="Queries">Check name → SQL returning one row whose first column is boolean true when the check passes.</param>
public sealed record VerifyDatabaseOptions(
    string Name,
    IReadOnlyList<string> Tables,
    IReadOnlyDictionary<string, long> MinRows,
    IReadOnlyDictionary<string, string> Queries);
