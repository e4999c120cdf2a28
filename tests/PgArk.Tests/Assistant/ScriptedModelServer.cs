using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace PgArk.Tests.Assistant;

/// <summary>
/// A loopback HTTP server (HttpListener on a free port) that answers every request with one scripted reply, and keeps
/// what it was sent: a stand-in for Ollama or an OpenAI-compatible server speaking their documented formats.
/// </summary>
internal sealed class ScriptedModelServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Func<Task<(int Status, string Body)>> _reply;

    public ScriptedModelServer(Func<Task<(int Status, string Body)>> reply)
    {
        _reply = reply;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public ScriptedModelServer(JsonNode reply) : this(() => Task.FromResult((200, reply.ToJsonString())))
    {
    }

    public Uri BaseAddress { get; }

    public List<(string Path, string? Authorization, JsonNode? Body)> Requests { get; } = [];

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
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            lock (Requests)
            {
                Requests.Add((context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], JsonNode.Parse(body)));
            }
            try
            {
                var (status, text) = await _reply();
                var bytes = Encoding.UTF8.GetBytes(text);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
            {
                // The client gave up (timeout test).
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
