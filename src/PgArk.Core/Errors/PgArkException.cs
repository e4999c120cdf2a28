namespace PgArk.Core.Errors;

/// <summary>
/// Base of every user-facing PgArk error. <see cref="Exception.Message"/> says what failed and names the object;
/// <see cref="Hint"/> optionally says what to do about it. Neither ever contains a secret.
/// </summary>
public class PgArkException : Exception
{
    public PgArkException(ErrorKind kind, string message, string? hint = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Hint = hint;
    }

    public ErrorKind Kind { get; }

    public string? Hint { get; }

    public int ExitCode => (int)Kind;
}

/// <summary>Bad configuration file or value (exit 2).</summary>
public sealed class ConfigurationException(string message, string? hint = null, Exception? innerException = null)
    : PgArkException(ErrorKind.Usage, message, hint, innerException);

/// <summary>Bad command-line usage or argument value (exit 2).</summary>
public sealed class UsageException(string message, string? hint = null)
    : PgArkException(ErrorKind.Usage, message, hint);

/// <summary>Something that was asked for does not exist (exit 3).</summary>
public sealed class NotFoundException(string message, string? hint = null)
    : PgArkException(ErrorKind.NotFound, message, hint);

/// <summary>The operation was refused: lock held, non-empty target, missing confirmation (exit 4).</summary>
public class RefusedException(string message, string? hint = null)
    : PgArkException(ErrorKind.Refused, message, hint);

/// <summary>
/// A destructive run was asked for without confirmation (exit 4). Thrown before anything runs, so a front end may ask
/// its user and try again with the confirmation (the CLI prompts on a terminal; its hint there is --yes).
/// </summary>
public sealed class ConfirmationRequiredException(string message, string? hint = null)
    : RefusedException(message, hint);

/// <summary>Another process holds the lock (exit 4).</summary>
public sealed class LockHeldException(string message, string? hint = null)
    : PgArkException(ErrorKind.Refused, message, hint);

/// <summary>Stored content does not match its recorded checksum, or a chain/WAL range is broken (exit 5).</summary>
public sealed class IntegrityException(string message, string? hint = null)
    : PgArkException(ErrorKind.Integrity, message, hint);

/// <summary>
/// A repository file rewritten in place holds an older generation than this machine has seen: someone put an older copy
/// of it back (exit 5, like other damage). Its own type so that readers that start afresh on a damaged state file still
/// stop on this one.
/// </summary>
public sealed class RepositoryRollbackException(string message, string? hint = null)
    : PgArkException(ErrorKind.Integrity, message, hint);

/// <summary>The operation ran and failed (exit 1).</summary>
public sealed class OperationFailedException(string message, string? hint = null, Exception? innerException = null)
    : PgArkException(ErrorKind.Failed, message, hint, innerException);

/// <summary>
/// The caller may not do this (an API restore outside the allowed folders): exit 4 like any refusal, HTTP 403 rather than
/// 409 because retrying will not help.
/// </summary>
public sealed class PermissionDeniedException(string message, string? hint = null)
    : PgArkException(ErrorKind.Refused, message, hint);

/// <summary>
/// Too much is running already (a cap on running jobs or concurrent calls): exit 4 like any refusal, HTTP 429 because the
/// same request can succeed later.
/// </summary>
public sealed class CapacityExceededException(string message, string? hint = null)
    : PgArkException(ErrorKind.Refused, message, hint);
