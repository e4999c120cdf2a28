using System.Text.Json;
using PgArk.Core.Catalog;
using PgArk.Core.Configuration;
using PgArk.Core.Operations;
using PgArk.Core.Scheduling;
using PgArk.IntegrationTests.Harness;

namespace PgArk.IntegrationTests.Storage;

/// <summary>
/// An encrypted repository's schedule state put back to an older copy of itself, seen by the real CLI (which keeps its
/// high-water marks in the default state folder of the user running the tests, like the writer here).
/// </summary>
public class RepositoryRollbackTests
{
    [Fact]
    public async Task EncryptedRepository_ScheduleStatePutBackToAnOlderCopy_ScheduleExits5NamingIt()
    {
        await using var h = await PgArkHarness.CreateAsync(encrypted: true);
        var text = await File.ReadAllTextAsync(h.ConfigPath);
        const string anchor = "    repositories: [local]\n";
        Assert.Contains(anchor, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(h.ConfigPath, text.Replace(anchor, anchor + "    schedule: { full: \"0 3 * * *\" }\n", StringComparison.Ordinal));
        var options = ConfigLoader.Load(h.ConfigPath);
        var repository = OperationContext.OpenRepository(options.Repositories[0]);
        Assert.NotNull(repository.Rollback);
        var path = RepositoryLayout.ScheduleStatePath(PgArkHarness.Server);
        var file = Path.Combine(h.RepositoryPath, path);
        var schedule = options.Servers[0].Schedule!;

        // Two saves, as pgark serve's scheduler makes them; the older one is kept aside.
        var first = SchedulePlanner.Start(schedule, null, DateTimeOffset.UtcNow);
        await repository.WriteJsonAsync(path, first, CancellationToken.None);
        var older = await File.ReadAllBytesAsync(file);
        var finished = DateTimeOffset.UtcNow;
        await repository.WriteJsonAsync(path, first with
        {
            Entries = first.Entries.ToDictionary(e => e.Key, e => e.Value with { LastStartedAt = finished, LastFinishedAt = finished, LastStatus = "success" }),
        }, CancellationToken.None);
        var shown = await h.RunAsync("--output", "json", "schedule", "--server", PgArkHarness.Server);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Equal("success", JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("servers")[0].GetProperty("entries")[0]
            .GetProperty("last_status").GetString());

        // Put back: valid ciphertext, right path, older content (the run never happened, as far as it says).
        await File.WriteAllBytesAsync(file, older);
        var refused = await h.RunAsync("--output", "json", "schedule", "--server", PgArkHarness.Server);
        Assert.True(refused.ExitCode == 5, refused.ToString());
        Assert.Contains($"repository file '{path}' in {h.RepositoryPath} was rolled back: it holds generation 1, but this machine has already seen generation 2 of it",
            refused.Stderr, StringComparison.Ordinal);
        Assert.Contains(repository.Rollback.MarkFile(h.RepositoryPath, path), refused.Stderr, StringComparison.Ordinal);
    }
}
