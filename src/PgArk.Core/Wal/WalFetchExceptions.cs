using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Wal;

/// <summary>
/// Every repository was read and none holds the WAL file: the only archive-get outcome PostgreSQL may take as the end
/// of the archive (exit 3).
/// </summary>
public sealed class WalNotArchivedException(string message)
    : PgArkException(ErrorKind.NotFound, message);

/// <summary>
/// No repository served the WAL file and at least one could not be read, held a corrupt copy, or failed otherwise:
/// the file may well exist, so recovery must stop rather than treat this as the end of the archive.
/// </summary>
public sealed class WalFetchFailedException : PgArkException
{
    public WalFetchFailedException(WalFileName name, IReadOnlyList<(Repository Repository, Exception Failure)> failures)
        : base(KindOf(failures), Describe(name, failures),
            "recovery stops here rather than ending early; repair the repository (or re-push the file) and start the server again",
            failures[0].Failure)
    {
    }

    private static ErrorKind KindOf(IReadOnlyList<(Repository Repository, Exception Failure)> failures) =>
        failures.All(f => f.Failure is PgArkException { Kind: ErrorKind.Integrity }) ? ErrorKind.Integrity : ErrorKind.Failed;

    private static string Describe(WalFileName name, IReadOnlyList<(Repository Repository, Exception Failure)> failures) =>
        $"WAL file {name} could not be fetched: " +
        string.Join("; ", failures.Select(f => $"repository '{f.Repository.Name}': {f.Failure.Message}"));
}
