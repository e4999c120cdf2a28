namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>What pgbench reported: transactions processed and throughput (0 when the line was absent).</summary>
public sealed record PgBenchResult(long TransactionsProcessed, double TransactionsPerSecond, ProcessResult Process);
