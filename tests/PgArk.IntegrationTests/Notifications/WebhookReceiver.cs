using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PgArk.Server.Api;

namespace PgArk.IntegrationTests.Notifications;

/// <summary>A real HTTP endpoint on a free loopback port that records what webhooks post and answers with scripted statuses.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _statuses;

    public sealed record Delivery(string Path, int AnsweredStatus, IReadOnlyDictionary<string, string> Headers, JsonElement Body, string RawBody);

    private WebhookReceiver(WebApplication app, IEnumerable<int> statuses)
    {
        _app = app;
        _statuses = new ConcurrentQueue<int>(statuses);
    }

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    /// <param name="statuses">Statuses for the first requests, in order; 200 once they are used up.</param>
    public static async Task<WebhookReceiver> StartAsync(params int[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, statuses);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var raw = await reader.ReadToEndAsync();
            var status = receiver._statuses.TryDequeue(out var scripted) ? scripted : 200;
            receiver.Deliveries.Enqueue(new Delivery(http.Request.Path, status,
                http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                JsonDocument.Parse(raw).RootElement.Clone(), raw));
            http.Response.StatusCode = status;
        });
        await app.StartAsync();
        receiver.BaseAddress = ApiHost.ListeningAddress(app);
        return receiver;
    }

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
