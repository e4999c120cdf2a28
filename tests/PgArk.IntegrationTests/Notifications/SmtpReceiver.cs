using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PgArk.IntegrationTests.Notifications;

/// <summary>
/// A small real SMTP server on a free loopback port (RFC 5321 subset: EHLO, STARTTLS per RFC 3207, AUTH PLAIN, MAIL,
/// RCPT, DATA, RSET, NOOP, QUIT) that records the messages it accepts and whether the session was under TLS. Its
/// certificate is self-signed for 127.0.0.1; <see cref="CaFile"/> holds it as PEM for the client to trust.
/// </summary>
public sealed class SmtpReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly bool _offerStartTls;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly string _directory;
    private int _temporaryFailures;

    public sealed record Message(string MailFrom, IReadOnlyList<string> Recipients, string Data, bool OverTls, string? User, string? Password);

    /// <param name="offerStartTls">False: a server that never offers STARTTLS (the client must refuse to send in clear).</param>
    /// <param name="temporaryFailures">The first transactions answered 451 at MAIL FROM (a temporary failure).</param>
    public SmtpReceiver(bool offerStartTls = true, int temporaryFailures = 0)
    {
        _offerStartTls = offerStartTls;
        _temporaryFailures = temporaryFailures;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pgark-test-smtp", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        _directory = Directory.CreateTempSubdirectory("pgark-smtp-").FullName;
        CaFile = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(CaFile, _certificate.ExportCertificatePem());
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string CaFile { get; }

    public ConcurrentQueue<Message> Messages { get; } = new();

    /// <summary>Every command line received, in order, per session (for checking what was said before TLS).</summary>
    public ConcurrentQueue<(int Session, bool OverTls, string Line)> Commands { get; } = new();

    /// <summary>Transactions refused with 451.</summary>
    public int TemporaryFailuresSent { get; private set; }

    private async Task AcceptAsync()
    {
        var session = 0;
        var sessions = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                sessions.Add(ServeAsync(client, ++session));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(sessions);
    }

    private async Task ServeAsync(TcpClient client, int session)
    {
        using var _ = client;
        Stream stream = client.GetStream();
        var tls = false;
        string? user = null, password = null, from = null;
        var recipients = new List<string>();
        try
        {
            await WriteAsync(stream, "220 127.0.0.1 ESMTP pgark test receiver");
            while (await ReadLineAsync(stream) is { } line)
            {
                Commands.Enqueue((session, tls, line));
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" or "HELO":
                        var lines = new List<string> { "127.0.0.1" };
                        if (_offerStartTls && !tls)
                        {
                            lines.Add("STARTTLS");
                        }
                        if (tls || !_offerStartTls)
                        {
                            lines.Add("AUTH PLAIN");
                        }
                        lines.Add("8BITMIME");
                        for (var i = 0; i < lines.Count; i++)
                        {
                            await WriteAsync(stream, (i == lines.Count - 1 ? "250 " : "250-") + lines[i]);
                        }
                        break;
                    case "STARTTLS" when _offerStartTls && !tls:
                        await WriteAsync(stream, "220 2.0.0 ready to start TLS");
                        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
                        stream = ssl;
                        tls = true;
                        from = null;
                        recipients.Clear();
                        break;
                    case "AUTH" when tls || !_offerStartTls:
                        var parts = line.Split(' ');
                        var initial = parts.Length > 2 ? parts[2] : null;
                        if (initial is null)
                        {
                            await WriteAsync(stream, "334 ");
                            initial = await ReadLineAsync(stream);
                        }
                        var fields = Encoding.UTF8.GetString(Convert.FromBase64String(initial ?? "")).Split('\0');
                        (user, password) = (fields[1], fields[2]);
                        await WriteAsync(stream, "235 2.7.0 authentication successful");
                        break;
                    case "MAIL" when _offerStartTls && !tls:
                        await WriteAsync(stream, "530 5.7.0 must issue a STARTTLS command first");
                        break;
                    case "MAIL":
                        if (_temporaryFailures > 0)
                        {
                            _temporaryFailures--;
                            TemporaryFailuresSent++;
                            await WriteAsync(stream, "451 4.3.0 temporary failure, try again later");
                            break;
                        }
                        from = Address(line);
                        recipients.Clear();
                        await WriteAsync(stream, "250 2.1.0 ok");
                        break;
                    case "RCPT" when from is not null:
                        recipients.Add(Address(line));
                        await WriteAsync(stream, "250 2.1.5 ok");
                        break;
                    case "DATA" when from is not null && recipients.Count > 0:
                        await WriteAsync(stream, "354 end data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await ReadLineAsync(stream) is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }
                        Messages.Enqueue(new Message(from, [.. recipients], data.ToString(), tls, user, password));
                        from = null;
                        await WriteAsync(stream, "250 2.0.0 queued");
                        break;
                    case "RSET":
                        from = null;
                        recipients.Clear();
                        await WriteAsync(stream, "250 2.0.0 ok");
                        break;
                    case "NOOP":
                        await WriteAsync(stream, "250 2.0.0 ok");
                        break;
                    case "QUIT":
                        await WriteAsync(stream, "221 2.0.0 bye");
                        return;
                    default:
                        await WriteAsync(stream, "503 5.5.1 bad sequence of commands");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException
            or OperationCanceledException)
        {
            // The client hung up (for instance after refusing the certificate): the session is over.
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private static string Address(string line) => line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)];

    private static async Task WriteAsync(Stream stream, string line)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
        await stream.FlushAsync();
    }

    // Byte by byte, so that nothing after the STARTTLS line is read ahead into a buffer that TLS would then miss.
    private async Task<string?> ReadLineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }
            if (one[0] == '\n')
            {
                return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
            }
            bytes.Add(one[0]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _certificate.Dispose();
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
