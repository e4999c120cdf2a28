namespace PgArk.Core.Configuration;

/// <summary>
/// How much a repository keeps (YAML <c>repositories[].retention</c>). Every value is optional and, when set, a
/// positive integer; <see langword="null"/> means "keep everything of that kind".
/// </summary>
/// <param name="Full">Number of full physical backups to keep (each with its differentials and increments).</param>
/// <param name="Diff">Number of differential backups to keep per full backup.</param>
/// <param name="ArchiveDays">Days of WAL archive to keep, counted back from now; never trims WAL a kept backup needs.</param>
/// <param name="LogicalDays">Days to keep logical dumps (<c>pgark dump</c>).</param>
public sealed record RetentionOptions(int? Full, int? Diff, int? ArchiveDays, int? LogicalDays)
{
    /// <summary>Keep everything: no retention configured.</summary>
    public static RetentionOptions KeepAll { get; } = new(null, null, null, null);
}
