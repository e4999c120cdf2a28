using System.Net;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores;

/// <summary>A store's API answered a request with an error (exit 1; a missing collection or database is a <see cref="NotFoundException"/>).</summary>
public sealed class StoreRequestException(string message, HttpStatusCode? status, string? hint = null, Exception? innerException = null)
    : PgArkException(ErrorKind.Failed, message, hint, innerException)
{
    /// <summary>The HTTP status the store answered with; null when it could not be reached.</summary>
    public HttpStatusCode? Status { get; } = status;
}
