namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>pg_amcheck's verdict: exit code 0 means no corruption found; <see cref="Output"/> is stdout then stderr.</summary>
public sealed record AmcheckResult(bool Succeeded, int ExitCode, string Output);
