using System.Text;

namespace PgArk.Core.Configuration;

/// <summary>The <c>notifications</c> section of <c>pgark.yaml</c>.</summary>
public sealed record NotificationOptions(IReadOnlyList<WebhookOptions> Webhooks);

/// <summary>One webhook (<c>notifications.webhooks[]</c>): a JSON POST after operation runs.</summary>
/// <param name="Url">Where to POST. A secret in practice (Slack URLs are credentials): only its host is ever logged.</param>
/// <param name="OnFailure">Post when a run fails (default).</param>
/// <param name="OnSuccess">Post when a run succeeds.</param>
/// <param name="Headers">Extra request headers (e.g. Authorization); never logged.</param>
/// <param name="SecretEnv">
/// Environment variable holding an HMAC-SHA256 key: the body is signed in <c>X-PgArk-Signature: sha256=HEX</c>. Read when a
/// notification is sent, not when the configuration is loaded, so that processes that never notify (archive_command runs
/// with PostgreSQL's environment) do not need it.
/// </param>
public sealed record WebhookOptions(Uri Url, bool OnFailure, bool OnSuccess, IReadOnlyDictionary<string, string> Headers, string? SecretEnv)
{
    // Records print every property by default; this keeps the URL path, headers and secret out of ToString().
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Url = ").Append(RedactedUrl).Append(", OnFailure = ").Append(OnFailure).Append(", OnSuccess = ").Append(OnSuccess);
        return true;
    }

    /// <summary>
    /// Scheme, host and port only: what logs and messages may show. <c>user:token@</c> is masked (Uri.Authority, unlike
    /// GetLeftPart(UriPartial.Authority), leaves the user info out).
    /// </summary>
    public string RedactedUrl => $"{Url.Scheme}://{(Url.UserInfo.Length > 0 ? Common.Redaction.Mask + "@" : "")}{Url.Authority}/...";
}

/// <summary>The <c>catalog</c> section: a PostgreSQL database that receives the <c>backup_history</c> table.</summary>
/// <param name="Connection">Npgsql connection string (a secret; see <see cref="ConnectionStrings.Redact"/>).</param>
/// <param name="Table">Table name, default <c>backup_history</c>.</param>
public sealed record CatalogOptions(string Connection, string Table = CatalogOptions.DefaultTable)
{
    public const string DefaultTable = "backup_history";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Connection = ").Append(ConnectionStrings.Redact(Connection)).Append(", Table = ").Append(Table);
        return true;
    }
}
