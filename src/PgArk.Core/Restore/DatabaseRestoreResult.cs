namespace PgArk.Core.Restore;

/// <summary>How long one phase of a database-level restore took.</summary>
public sealed record PhaseTiming(string Phase, double Seconds);

/// <param name="DryRun">Only the plan was made; nothing else happened.</param>
/// <param name="ReachedTime">Commit time of the last transaction recovery replayed (pg_last_xact_replay_timestamp), when known.</param>
/// <param name="ReachedLsn">Last WAL position replayed in the sandbox.</param>
/// <param name="KeptAs">Name the live database was renamed to (null with --into, --replace, or when it did not exist).</param>
/// <param name="RowsBefore">Row counts of the live database before the restore (empty with --into or when it did not exist).</param>
/// <param name="RowsAfter">Row counts of the restored database.</param>
public sealed record DatabaseRestoreResult(DatabaseRestorePlan Plan, bool DryRun, DateTimeOffset? ReachedTime, string? ReachedLsn, string? KeptAs,
    bool Replaced, IReadOnlyList<TableRowCount> RowsBefore, IReadOnlyList<TableRowCount> RowsAfter, IReadOnlyList<PhaseTiming> Phases,
    double TotalSeconds);
