using System.Runtime.CompilerServices;

namespace PgArk.Tests;

/// <summary>
/// PgArk keeps per-user state (the rollback guard's generation marks) under ~/.local/state/pgark. Tests point it at a
/// folder of this test run instead, inherited by every pgark process they start, so a run leaves nothing in the home
/// folder of the user running CI and never reads marks an earlier run left.
/// </summary>
internal static class TestStateFolder
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PGARK_STATE_DIR")))
        {
            Environment.SetEnvironmentVariable("PGARK_STATE_DIR",
                Path.Combine(Path.GetTempPath(), $"pgark-test-state-{Environment.ProcessId}-{Guid.NewGuid():N}"));
        }
    }
}
