using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using PgArk.Core.Configuration;

namespace PgArk.Core.Notifications;

/// <summary>A delivery attempt that failed; <see cref="Transient"/> ones are retried.</summary>
public sealed class ChannelDeliveryException(string message, bool transient, Exception? inner = null) : Exception(message, inner)
{
    public bool Transient { get; } = transient;
}

/// <summary>
/// Sends one notification to one channel, once (<see cref="ChannelNotifier"/> retries). Throws
/// <see cref="ChannelDeliveryException"/> on failure; its message never holds the channel's URL, token or password.
/// </summary>
internal static class ChannelSender
{
    public static Task SendAsync(ChannelOptions channel, Notification notification, HttpClient http, CancellationToken cancellationToken) =>
        channel.Kind switch
        {
            ChannelKind.Slack => PostJsonAsync(http, ResolveUrl(channel), ChannelPayloads.Slack(notification), cancellationToken),
            ChannelKind.Teams => PostJsonAsync(http, ResolveUrl(channel), ChannelPayloads.Teams(notification), cancellationToken),
            ChannelKind.Discord => PostJsonAsync(http, ResolveUrl(channel), ChannelPayloads.Discord(notification), cancellationToken),
            ChannelKind.Telegram => PostJsonAsync(http, TelegramUrl(channel), ChannelPayloads.Telegram(notification, channel.ChatId!), cancellationToken),
            _ => SendMailAsync(channel.Email!, notification, cancellationToken),
        };

    /// <summary>Where a channel sends, without credentials: what logs and messages may show.</summary>
    public static string Describe(ChannelOptions channel) => channel.Kind switch
    {
        ChannelKind.Telegram => $"telegram {channel.ApiUrl!.GetLeftPart(UriPartial.Authority)}",
        ChannelKind.Email => $"smtp {channel.Email!.Host}:{channel.Email.Port}",
        _ => channel.Kind.ToString().ToLowerInvariant() + " webhook",
    };

    private static Uri ResolveUrl(ChannelOptions channel)
    {
        var text = Resolve(channel.Url!, "url");
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new ChannelDeliveryException("the configured webhook URL is not an http:// or https:// URL", transient: false);
    }

    private static Uri TelegramUrl(ChannelOptions channel)
    {
        var token = Resolve(channel.BotToken!, "botToken");
        // Bot tokens are "<digits>:<letters, digits, -, _>"; anything else could change the request's path.
        if (token.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_')))
        {
            throw new ChannelDeliveryException("the configured Telegram bot token has characters a token never has", transient: false);
        }
        // A base with a path (a Bot API server behind a prefix) keeps it: "https://h/tg" + "bot.../sendMessage".
        var api = channel.ApiUrl!.AbsoluteUri.EndsWith('/') ? channel.ApiUrl : new Uri(channel.ApiUrl.AbsoluteUri + "/");
        // "./": a token holds a colon, so "bot123:abc" alone would read as a URI scheme.
        return new Uri(api, $"./bot{token}/sendMessage");
    }

    private static string Resolve(SecretSource source, string key)
    {
        try
        {
            return source.Resolve();
        }
        catch (Errors.ConfigurationException ex)
        {
            throw new ChannelDeliveryException($"{key}: {ex.Message}", transient: false);
        }
    }

    private static async Task PostJsonAsync(HttpClient http, Uri url, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("pgark", "1"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // .NET's messages name the host and port, never the path (where webhook and bot tokens live).
            throw new ChannelDeliveryException($"cannot reach {url.Host}: {ex.Message}", transient: true, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ChannelDeliveryException($"{url.Host} did not answer in time", transient: true, ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var transient = (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests;
                throw new ChannelDeliveryException($"{url.Host} answered HTTP {(int)response.StatusCode}", transient);
            }
        }
    }

    private static async Task SendMailAsync(EmailChannelOptions email, Notification notification, CancellationToken cancellationToken)
    {
        var password = email.Password is { } source ? Resolve(source, "password") : null;
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(email.From));
        foreach (var to in email.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }
        message.Subject = notification.Title;
        message.Date = notification.Timestamp;
        message.Body = new TextPart("plain") { Text = notification.PlainText(withTitle: false) + "\n\n-- \nPgArk\n" };

        using var client = new SmtpClient { Timeout = 15_000 };
        if (email.CaFile is { } caFile)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(caFile);
            client.CheckCertificateRevocation = false;
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(trusted, certificate, errors);
        }
        var options = email.Security switch
        {
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.None,
        };
        try
        {
            await client.ConnectAsync(email.Host, email.Port, options, cancellationToken).ConfigureAwait(false);
            if (email.Username is { } username)
            {
                await client.AuthenticateAsync(username, password ?? "", cancellationToken).ConfigureAwait(false);
            }
            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException ex)
        {
            // 4xx replies are temporary by definition (RFC 5321 4.2.1); 5xx are final.
            throw new ChannelDeliveryException($"SMTP server {email.Host} refused: {(int)ex.StatusCode} {ex.Message}",
                transient: (int)ex.StatusCode is >= 400 and < 500, ex);
        }
        catch (NotSupportedException ex) when (options == SecureSocketOptions.StartTls)
        {
            throw new ChannelDeliveryException($"SMTP server {email.Host} does not offer STARTTLS (security: starttls requires it)", transient: false, ex);
        }
        catch (Exception ex) when (ex is SslHandshakeException or AuthenticationException)
        {
            throw new ChannelDeliveryException($"SMTP server {email.Host}: {ex.Message}", transient: false, ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException)
        {
            throw new ChannelDeliveryException($"SMTP server {email.Host}:{email.Port}: {ex.Message}", transient: true, ex);
        }
    }

    // A private relay's certificate: valid when it chains to the configured CA and names the host we connected to.
    private static bool TrustedBy(X509Certificate2Collection trusted, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
            || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
