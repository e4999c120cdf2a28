using PgArk.Core.Errors;

namespace PgArk.Core.Operations.Jobs;

/// <summary>Why a job failed, in the terms every front end already uses for errors (kind → exit code / HTTP status).</summary>
public sealed record JobError(ErrorKind Kind, string Message, string? Hint = null);
