namespace PgArk.Core.Errors;

/// <summary>
/// Every failure PgArk reports falls in one of these kinds. The numeric values are the CLI exit codes
/// (DESIGN.md, "Exit codes"); HTTP statuses and MCP errors are derived from the same kind.
/// </summary>
public enum ErrorKind
{
    /// <summary>The operation ran and failed (PostgreSQL error, I/O error, timeout).</summary>
    Failed = 1,

    /// <summary>Bad command line or configuration.</summary>
    Usage = 2,

    /// <summary>A server, backup, file or WAL segment that was asked for does not exist.</summary>
    NotFound = 3,

    /// <summary>Refused: lock held, confirmation missing, permission denied, target not empty.</summary>
    Refused = 4,

    /// <summary>Integrity failure: checksum mismatch, broken chain, WAL gap, conflicting WAL content.</summary>
    Integrity = 5,
}
