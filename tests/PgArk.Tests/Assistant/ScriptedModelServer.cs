using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PgArk.Tests.TestServers;

namespace PgArk.Tests.Assistant;

/// <summary>
/// A loopback HTTP server (HttpListener on a free port) that answers every request with one scripted reply, and keeps
/// what it was sent: a stand-in for Ollama or an OpenAI-compatible server speaking their documented formats.
/// </summary>
internal sealed class ScriptedModelServer : LoopbackHttpServer
{
    private readonly Func<Task<(int Status, string Body)>> _reply;

    public ScriptedModelServer(Func<Task<(int Status, string Body)>> reply)
    {
        _reply = reply;
        Start();
    }

    public ScriptedModelServer(JsonNode reply) : this(() => Task.FromResult((200, reply.ToJsonString())))
    {
    }

    public List<(string Path, string? Authorization, JsonNode? Body)> Requests { get; } = [];

    protected override async Task HandleAsync(HttpListenerContext context)
    {
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
