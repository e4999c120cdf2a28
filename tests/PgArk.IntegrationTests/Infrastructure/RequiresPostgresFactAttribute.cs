namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>
/// A fact skipped when the test binaries (<see cref="PgBinaries.Default"/>) are older than the given major version.
/// Missing binaries do not skip: the test then fails and says why.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresPostgresFactAttribute : FactAttribute
{
    public RequiresPostgresFactAttribute(int minimumMajorVersion)
    {
        MinimumMajorVersion = minimumMajorVersion;
        int installed;
        try
        {
            installed = PgBinaries.Default.MajorVersion;
        }
        catch (InvalidOperationException)
        {
            return;
        }

        if (installed < minimumMajorVersion)
        {
            Skip = $"requires PostgreSQL {minimumMajorVersion} or later; the test binaries are {installed}";
        }
    }

    public int MinimumMajorVersion { get; }
}
