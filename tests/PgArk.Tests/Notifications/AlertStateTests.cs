using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Configuration;
using PgArk.Core.Notifications.Alerts;
using PgArk.Core.Operations;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Notifications;

/// <summary>Alert state kept in the repository: a restarted evaluator carries on, and list_alerts reads it.</summary>
public class AlertStateTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static ServerFacts Facts(string server, long lag) => new(server, [],
        [new BackupFact("b1", "full", s_start.AddHours(-1), 1000)], lag, []);

    [Fact]
    public async Task Restart_StateFromRepository_HoldingAlertQuietUntilRepeat_ThenResolvesWithItsStartTime()
    {
        var options = AlertOptions.Default with { RepeatEvery = TimeSpan.FromHours(4) };
        var clock = new ManualClock(s_start);
        var first = new AlertEvaluator(options, clock);
        var fired = Assert.Single(first.Evaluate([Facts("main", 40)]));
        Assert.Equal((AlertTransition.Firing, AlertKind.WalArchiveLag), (fired.Transition, fired.Kind));
        var store = new AlertStateStore(new Repository("r", new InMemoryRepositoryStorage(clock), CompressionType.None, 0), "main");
        await store.SaveAsync(first.StateOf("main"), CancellationToken.None);

        clock.Advance(TimeSpan.FromMinutes(30));
        var second = new AlertEvaluator(options, clock);
        var loaded = await store.LoadAsync(CancellationToken.None);
        Assert.NotNull(loaded);
        Assert.Equal((40L, "wal_archive_lag", s_start), (loaded.WalLagSegments, Assert.Single(loaded.Active).Kind, loaded.Active[0].Since));
        second.Restore(loaded);

        Assert.Empty(second.Evaluate([Facts("main", 41)]));
        Assert.Equal(s_start, Assert.Single(second.Active).Since);
        Assert.True(second.StateOf("main").SameAs(loaded) is false, "the message changed with the lag (41), so the state is saved again");

        clock.Advance(TimeSpan.FromHours(3.5));
        var repeated = Assert.Single(second.Evaluate([Facts("main", 41)]));
        Assert.Equal((AlertTransition.Repeated, s_start), (repeated.Transition, repeated.Since));

        clock.Advance(TimeSpan.FromMinutes(1));
        var resolved = Assert.Single(second.Evaluate([Facts("main", 0)]));
        Assert.Equal((AlertTransition.Resolved, s_start), (resolved.Transition, resolved.Since));
        Assert.Empty(second.StateOf("main").Active);
        Assert.Equal(0, second.StateOf("main").WalLagSegments);
    }

    [Fact]
    public void Restore_UnknownKindIgnored_KnownAlertOfThisProcessWins()
    {
        var clock = new ManualClock(s_start);
        var evaluator = new AlertEvaluator(AlertOptions.Default, clock);
        evaluator.Evaluate([Facts("main", 40)]);

        evaluator.Restore(new AlertState
        {
            Server = "main", EvaluatedAt = s_start.AddDays(-1), WalLagSegments = 3,
            Active = [new AlertStateEntry("wal_archive_lag", "old", s_start.AddDays(-1), s_start.AddDays(-1)), new AlertStateEntry("no_such_alert", "x", s_start, s_start)],
        });

        var active = Assert.Single(evaluator.Active);
        Assert.Equal((AlertKind.WalArchiveLag, s_start), (active.Kind, active.Since));
        Assert.Equal(40, evaluator.WalLagSegments["main"]);
    }

    [Fact]
    public async Task ListAlerts_ReadsEachServersStoredState_ServerNeverEvaluatedHasNone()
    {
        using var folder = new TemporaryFolder();
        var context = new OperationContext(ConfigLoader.Parse($"""
            repositories:
              - name: local
                path: {folder.Path}
            servers:
              - name: main
                connection: "Host=/nonexistent;Username=postgres"
                pgdata: /var/lib/postgresql/15/main
              - name: quiet
                connection: "Host=/nonexistent;Username=postgres"
                pgdata: /var/lib/postgresql/15/other
            """, "/etc/pgark/pgark.yaml", _ => null));
        var evaluator = new AlertEvaluator(AlertOptions.Default, new ManualClock(s_start));
        evaluator.Evaluate([Facts("main", 40)]);
        var repository = context.PrimaryRepositoryFor(context.GetServer("main"));
        await new AlertStateStore(repository, "main").SaveAsync(evaluator.StateOf("main"), CancellationToken.None);

        var result = await new ListAlertsOperation().RunAsync(context, new ListAlertsInput(), null, CancellationToken.None);

        var alert = Assert.Single(result.Alerts);
        Assert.Equal(("main", "wal_archive_lag", s_start), (alert.Server, alert.Kind, alert.Since));
        Assert.Equal("server 'main' has 40 completed WAL segments not yet in the repository (threshold 16)", alert.Message);
        Assert.Equal([new ServerAlertState("main", s_start, 40, 1, null), new ServerAlertState("quiet", null, null, 0, null)], result.Servers);
    }
}
