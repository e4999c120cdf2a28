namespace PgArk.Core.Restore;

/// <summary>A foreign key of another table that references a table being replaced.</summary>
/// <param name="Table">The referencing table, schema-qualified.</param>
/// <param name="Definition">pg_get_constraintdef with schema-qualified names, e.g. "FOREIGN KEY (order_id) REFERENCES public.orders(order_id)".</param>
public sealed record DependentForeignKey(string Table, string Name, string Definition);

/// <summary>One table of a table-level restore.</summary>
/// <param name="Given">The name as the user wrote it (schema.table or table).</param>
/// <param name="Schema">Its schema: from the live catalog, or for a table the live database no longer has, from the name given.</param>
/// <param name="Name">Its name, exactly as stored.</param>
/// <param name="Into">The name the restored table gets in <see cref="Schema"/>: the table's own with --replace.</param>
/// <param name="LiveExists">Whether the live database has the table now (it is checked again, in the sandbox, at the target).</param>
/// <param name="DependentKeys">Foreign keys of other live tables referencing it (only with --replace: they are moved to the restored table).</param>
public sealed record PlannedTable(string Given, string Schema, string Name, string Into, bool LiveExists, IReadOnlyList<DependentForeignKey> DependentKeys);

/// <summary>
/// What a table-level point-in-time restore will do, stated before it does anything (all that <c>--dry-run</c> prints):
/// the sandbox recovery of the server (<see cref="Recovery"/>: backup chain, WAL, exact recovery target, window), the
/// tables, their new names and the foreign keys that depend on them.
/// </summary>
/// <param name="Replace">The live tables are replaced in one transaction (else the restored ones are created beside them).</param>
/// <param name="StagingSchema">Schema the restored tables are loaded into on the live database before they are renamed or swapped in.</param>
/// <param name="NameStamp">The time in the default names &lt;table&gt;_restored_&lt;stamp&gt; (the target's, UTC); null with --into NAME or --replace.</param>
public sealed record TableRestorePlan(DatabaseRestorePlan Recovery, IReadOnlyList<PlannedTable> Tables, bool Replace, string StagingSchema,
    string? NameStamp, IReadOnlyList<string> Steps);

/// <param name="DryRun">Only the plan was made; nothing else happened.</param>
/// <param name="ReachedTime">Commit time of the last transaction recovery replayed, when known.</param>
/// <param name="Restored">The restored tables (schema-qualified, as they are now named) and their content fingerprints, equal to the sandbox's.</param>
/// <param name="MovedForeignKeys">Dependent foreign keys that now reference the restored tables (validated).</param>
public sealed record TableRestoreResult(TableRestorePlan Plan, bool DryRun, DateTimeOffset? ReachedTime, string? ReachedLsn,
    IReadOnlyList<TableFingerprint> Restored, IReadOnlyList<DependentForeignKey> MovedForeignKeys, IReadOnlyList<PhaseTiming> Phases, double TotalSeconds);
