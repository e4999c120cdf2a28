using System.Text;
using PgArk.Core.Errors;

namespace PgArk.Core.Configuration;

/// <summary>The <c>notifications</c> section of <c>pgark.yaml</c>.</summary>
public sealed record NotificationOptions(IReadOnlyList<WebhookOptions> Webhooks)
{
    /// <summary>Chat and e-mail channels (<c>notifications.channels</c>).</summary>
    public IReadOnlyList<ChannelOptions> Channels { get; init; } = [];

    /// <summary>Alert thresholds and timing (<c>notifications.alerts</c>).</summary>
    public AlertOptions Alerts { get; init; } = AlertOptions.Default;
}

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

/// <summary>Which kinds of notification a channel wants (<c>notifications.channels[].on</c>).</summary>
[Flags]
public enum NotificationEvents
{
    None = 0,

    /// <summary>An operation run succeeded.</summary>
    Success = 1,

    /// <summary>An operation run failed.</summary>
    Failure = 2,

    /// <summary>An alert started to hold, or still holds when its repeat interval is up.</summary>
    Alert = 4,

    /// <summary>An alert stopped holding.</summary>
    Resolved = 8,
}

public enum ChannelKind
{
    Slack,
    Teams,
    Discord,
    Telegram,
    Email,
}

/// <summary>How the e-mail channel protects the SMTP session.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS; the server must offer it (the default: port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,

    /// <summary>No TLS at all: only for a relay on the same host (credentials would travel in clear).</summary>
    None,
}

/// <summary>
/// A secret written in the configuration (<c>KEY</c>), named by an environment variable (<c>KEYEnv</c>) or a file
/// (<c>KEYFile</c>). Resolved when a notification is sent, not when the configuration is loaded, so that processes that
/// never notify (archive_command runs with PostgreSQL's environment) do not need it.
/// </summary>
public sealed record SecretSource(string? Value, string? Environment, string? File)
{
    /// <summary>The secret's value.</summary>
    /// <exception cref="ConfigurationException">The variable is unset or empty, or the file cannot be read or is empty.</exception>
    public string Resolve()
    {
        string? value;
        if (Value is not null)
        {
            value = Value;
        }
        else if (Environment is { } variable)
        {
            value = System.Environment.GetEnvironmentVariable(variable)?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                throw new ConfigurationException($"environment variable '{variable}' is not set or is empty");
            }
        }
        else
        {
            try
            {
                value = System.IO.File.ReadAllText(File!).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"cannot read secret file '{File}': {e.Message}");
            }
            if (value.Length == 0)
            {
                throw new ConfigurationException($"secret file '{File}' is empty");
            }
        }
        return value;
    }

    // The value itself never appears in ToString().
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(Value is not null ? "inline" : Environment is { } v ? $"env {v}" : $"file {File}");
        return true;
    }
}

/// <summary>One notification channel (<c>notifications.channels[]</c>) of a chat service or e-mail.</summary>
/// <param name="Name">Unique name (<c>pgark notify test --channel NAME</c>, logs).</param>
/// <param name="On">What it is told about (default: failures, alerts and resolutions).</param>
/// <param name="Url">Slack, Teams and Discord: the incoming webhook URL (a credential: only its host is logged).</param>
/// <param name="BotToken">Telegram: the bot token.</param>
/// <param name="ChatId">Telegram: the chat to post to (numeric id or <c>@channelname</c>).</param>
/// <param name="ApiUrl">Telegram: Bot API base URL (default https://api.telegram.org; a local Bot API server or a test receiver).</param>
/// <param name="Email">E-mail: the SMTP settings.</param>
public sealed record ChannelOptions(string Name, ChannelKind Kind, NotificationEvents On, SecretSource? Url = null, SecretSource? BotToken = null,
    string? ChatId = null, Uri? ApiUrl = null, EmailChannelOptions? Email = null)
{
    public static readonly Uri DefaultTelegramApi = new("https://api.telegram.org");

    public const NotificationEvents DefaultEvents = NotificationEvents.Failure | NotificationEvents.Alert | NotificationEvents.Resolved;
}

/// <summary>SMTP settings of an e-mail channel.</summary>
/// <param name="CaFile">PEM file of a certificate authority to trust for this server (a private relay); default: the system's.</param>
public sealed record EmailChannelOptions(string Host, int Port, SmtpSecurity Security, string? Username, SecretSource? Password, string From,
    IReadOnlyList<string> To, string? CaFile);

/// <summary>Thresholds of the alerts <c>pgark serve</c> evaluates (defaults from seed 004), global or per server.</summary>
/// <param name="NoBackupHours">No successful backup for this long.</param>
/// <param name="SizeChangePercent">The newest backup's size differs from the previous one of its type by more than this.</param>
/// <param name="RestoreMinutes">The newest restore or verify-restore drill took longer than this.</param>
/// <param name="WalLagSegments">The server's current WAL segment is more than this many segments past the newest archived one.</param>
/// <param name="ScheduleGraceMinutes">A scheduled run is missed when it has not run this long after it was due.</param>
/// <param name="StreamLagMegabytes">A streamed server's WAL not yet durable in the repository, in MB (1048576 bytes).</param>
public sealed record AlertThresholds(double NoBackupHours = 25, double SizeChangePercent = 50, double RestoreMinutes = 60, long WalLagSegments = 16,
    double ScheduleGraceMinutes = 60, long StreamLagMegabytes = 64);

/// <summary>The <c>notifications.alerts</c> section.</summary>
/// <param name="Enabled">False: <c>pgark serve</c> does not evaluate alerts.</param>
/// <param name="EvaluateEvery">How often conditions are checked.</param>
/// <param name="RepeatEvery">While an alert holds it is sent again this often.</param>
/// <param name="Servers">Thresholds per server name; servers not listed use <paramref name="Defaults"/>.</param>
public sealed record AlertOptions(bool Enabled, TimeSpan EvaluateEvery, TimeSpan RepeatEvery, AlertThresholds Defaults,
    IReadOnlyDictionary<string, AlertThresholds> Servers)
{
    public static AlertOptions Default { get; } = new(true, TimeSpan.FromMinutes(1), TimeSpan.FromHours(4), new AlertThresholds(),
        new Dictionary<string, AlertThresholds>(StringComparer.Ordinal));

    public AlertThresholds For(string server) => Servers.GetValueOrDefault(server) ?? Defaults;
}
