namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>The outcome of <see cref="TableSnapshot.CompareTo"/>; <see cref="Report"/> is empty when equal.</summary>
public sealed record SnapshotComparison(bool AreEqual, string Report);
