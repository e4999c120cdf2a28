namespace PgArk.IntegrationTests.Infrastructure;

/// <summary>A pgbench run: a fixed number of transactions per client (<c>-t</c>) or a duration (<c>-T</c>).</summary>
public sealed record PgBenchLoad
{
    private PgBenchLoad(int clients, int? transactionsPerClient, TimeSpan? duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        Clients = clients;
        TransactionsPerClient = transactionsPerClient;
        Duration = duration;
    }

    public int Clients { get; }

    /// <summary>pgbench's <c>-t</c>: counted per client, so the run makes Clients × this transactions.</summary>
    public int? TransactionsPerClient { get; }

    /// <summary>pgbench's <c>-T</c>, in whole seconds (at least 1).</summary>
    public TimeSpan? Duration { get; }

    /// <summary>pgbench's built-in select-only script (<c>-S</c>) instead of TPC-B-like writes.</summary>
    public bool SelectOnly { get; init; }

    public static PgBenchLoad Transactions(int perClient, int clients = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClient, 1);
        return new PgBenchLoad(clients, perClient, null);
    }

    public static PgBenchLoad For(TimeSpan duration, int clients = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.FromSeconds(1));
        return new PgBenchLoad(clients, null, duration);
    }
}
