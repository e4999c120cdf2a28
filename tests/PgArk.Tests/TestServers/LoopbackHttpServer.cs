using System.Net;
using System.Net.Sockets;

namespace PgArk.Tests.TestServers;

/// <summary>
/// An HttpListener on a free loopback port that hands each request to <see cref="HandleAsync"/>: the part every HTTP
/// stand-in of the unit tests shares. Requests are answered one after another unless <c>concurrent</c> is set.
/// </summary>
internal abstract class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly bool _concurrent;
    private Task _loop = Task.CompletedTask;

    protected LoopbackHttpServer(bool concurrent = false)
    {
        _concurrent = concurrent;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
    }

    public Uri BaseAddress { get; }

    /// <summary>Starts answering; called by the subclass once its own fields are set.</summary>
    protected void Start()
    {
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    protected abstract Task HandleAsync(HttpListenerContext context);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            if (_concurrent)
            {
                _ = Task.Run(() => HandleAsync(context));
            }
            else
            {
                await HandleAsync(context);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: after Stop, Close looks the port up again and re-binds it, which fails ("Address already in use")
        // once another test's listener has taken the port.
        _listener.Close();
        await _loop;
    }
}
