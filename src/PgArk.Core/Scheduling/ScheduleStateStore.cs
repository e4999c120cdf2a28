using PgArk.Core.Catalog;

namespace PgArk.Core.Scheduling;

/// <summary>Reads and writes a server's <see cref="ScheduleState"/> in its first repository.</summary>
internal sealed class ScheduleStateStore(Repository repository, string server)
{
    public Task<ScheduleState?> LoadAsync(CancellationToken cancellationToken) =>
        repository.ReadJsonAsync<ScheduleState>(RepositoryLayout.ScheduleStatePath(server), cancellationToken);

    public Task SaveAsync(ScheduleState state, CancellationToken cancellationToken) =>
        repository.WriteJsonAsync(RepositoryLayout.ScheduleStatePath(server), state, cancellationToken);
}
