using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;

namespace PgArk.Core.Operations;

/// <summary>What one repository gave: a result or the failure that stopped it.</summary>
public sealed record RepositoryAttempt<T>(string Repository, T? Result, PgArkException? Failure) where T : class;

/// <summary>
/// Runs one action per repository of a server, in configuration order, so that a failing repository is reported without
/// keeping the others from their copy. With a single repository its failure is rethrown unchanged.
/// </summary>
internal static class RepositoryFanOut
{
    public static async Task<IReadOnlyList<RepositoryAttempt<T>>> RunEachAsync<T>(IReadOnlyList<Repository> repositories,
        Func<Repository, Task<T>> action, ILogger logger, CancellationToken cancellationToken) where T : class
    {
        var attempts = new List<RepositoryAttempt<T>>();
        foreach (var repository in repositories)
        {
            try
            {
                attempts.Add(new RepositoryAttempt<T>(repository.Name, await action(repository).ConfigureAwait(false), null));
            }
            catch (PgArkException ex) when (repositories.Count > 1 && !cancellationToken.IsCancellationRequested)
            {
                Log.RepositoryFailed(logger, repository.Name, ex.Message);
                attempts.Add(new RepositoryAttempt<T>(repository.Name, null, ex));
            }
        }
        return attempts;
    }

    /// <summary>
    /// Throws when any repository failed: a single failure as it is, several as one error of the first failure's kind
    /// that names each repository and says which ones succeeded.
    /// </summary>
    public static void ThrowIfAnyFailed<T>(IReadOnlyList<RepositoryAttempt<T>> attempts, string what, Func<T, string> describe) where T : class
    {
        var failed = attempts.Where(a => a.Failure is not null).ToList();
        if (failed.Count == 0)
        {
            return;
        }
        var succeeded = attempts.Where(a => a.Result is not null).Select(a => $"{describe(a.Result!)} in repository '{a.Repository}'").ToList();
        var message = string.Join("; ", failed.Select(f => $"{what} in repository '{f.Repository}' failed: {f.Failure!.Message}"));
        if (succeeded.Count > 0)
        {
            message += $"; done: {string.Join(", ", succeeded)}";
        }
        throw new PgArkException(failed[0].Failure!.Kind, message, failed[0].Failure!.Hint, failed[0].Failure);
    }
}
