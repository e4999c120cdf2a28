using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores.Qdrant;

/// <summary>A snapshot as Qdrant describes it (<c>SnapshotDescription</c>: name, size, and since 1.8 a SHA-256 checksum).</summary>
internal sealed record QdrantSnapshot(string Name, long? Size, string? Checksum);

/// <summary>A collection's facts that validation compares: its point count and its vectors configuration (compact JSON).</summary>
internal sealed record QdrantCollectionInfo(string Name, long Points, string VectorsConfig);

/// <summary>
/// The parts of Qdrant's REST API (v1.x, https://api.qdrant.tech/) that backups use: collections, collection and
/// full-storage snapshots (create, download, delete) and snapshot upload. Every request carries the <c>api-key</c> header
/// when one is configured; the key never appears in a message.
/// </summary>
internal sealed class QdrantClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly QdrantStoreOptions _options;

    public QdrantClient(QdrantStoreOptions options)
    {
        _options = options;
        var baseUrl = options.Url.ToString().TrimEnd('/') + "/";
        _http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) };
        if (options.ApiKey is { } key)
        {
            _http.DefaultRequestHeaders.Add("api-key", key.Resolve());
        }
    }

    public async Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken)
    {
        var json = await SendJsonAsync(HttpMethod.Get, "collections", null, null, cancellationToken).ConfigureAwait(false);
        return json["result"]?["collections"]?.AsArray().Select(c => c?["name"]?.GetValue<string>()).OfType<string>().Order(StringComparer.Ordinal).ToList()
            ?? throw Unexpected("collections", "no result.collections");
    }

    public async Task<QdrantCollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken)
    {
        var json = await SendJsonAsync(HttpMethod.Get, $"collections/{Escape(collection)}", collection, null, cancellationToken).ConfigureAwait(false);
        var result = json["result"] ?? throw Unexpected($"collections/{collection}", "no result");
        var points = result["points_count"]?.GetValue<long>() ?? 0;
        var vectors = result["config"]?["params"]?["vectors"]?.ToJsonString() ?? "null";
        return new QdrantCollectionInfo(collection, points, vectors);
    }

    /// <summary>Creates a snapshot of one collection, or of the whole storage when <paramref name="collection"/> is null, and waits for it.</summary>
    public async Task<QdrantSnapshot> CreateSnapshotAsync(string? collection, CancellationToken cancellationToken)
    {
        var json = await SendJsonAsync(HttpMethod.Post, $"{SnapshotsPath(collection)}?wait=true", collection, null, cancellationToken).ConfigureAwait(false);
        var result = json["result"] ?? throw Unexpected(SnapshotsPath(collection), "no result");
        return new QdrantSnapshot(result["name"]?.GetValue<string>() ?? throw Unexpected(SnapshotsPath(collection), "no snapshot name"),
            result["size"]?.GetValue<long>(), result["checksum"]?.GetValue<string>());
    }

    /// <summary>Opens the snapshot file for streaming (the response is read as it arrives, never buffered whole).</summary>
    public async Task<Stream> DownloadSnapshotAsync(string? collection, string snapshot, CancellationToken cancellationToken)
    {
        var path = $"{SnapshotsPath(collection)}/{Escape(snapshot)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        var response = await SendAsync(request, collection, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteSnapshotAsync(string? collection, string snapshot, CancellationToken cancellationToken) =>
        await SendJsonAsync(HttpMethod.Delete, $"{SnapshotsPath(collection)}/{Escape(snapshot)}?wait=true", collection, null, cancellationToken)
            .ConfigureAwait(false);

    /// <summary>
    /// Recovers <paramref name="collection"/> from an uploaded snapshot (<c>POST /collections/{name}/snapshots/upload?priority=snapshot</c>):
    /// the snapshot's data wins over what the collection holds; Qdrant creates the collection when it does not exist and
    /// checks the upload against <paramref name="sha256"/>.
    /// </summary>
    public async Task UploadSnapshotAsync(string collection, Stream snapshot, string fileName, string sha256, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
#pragma warning disable CA2000 // the content is owned and disposed by the form (using above)
        var content = new StreamContent(snapshot, 1 << 20);
#pragma warning restore CA2000
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "snapshot", fileName);
        var path = $"collections/{Escape(collection)}/snapshots/upload?priority=snapshot&wait=true&checksum={sha256}";
        await SendJsonAsync(HttpMethod.Post, path, null, form, cancellationToken).ConfigureAwait(false);
    }

    private static string SnapshotsPath(string? collection) => collection is null ? "snapshots" : $"collections/{Escape(collection)}/snapshots";

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private async Task<JsonNode> SendJsonAsync(HttpMethod method, string path, string? collection, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await SendAsync(request, collection, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(text) ?? throw Unexpected(path, "an empty body");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw Unexpected(path, $"a body that is not JSON ({ex.Message})");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? collection, HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        var what = $"{request.Method} {request.RequestUri}";
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new StoreRequestException($"Qdrant store '{_options.Name}' at {_options.Url} cannot be reached ({what}): {ex.Message}", null,
                "check stores[].url and that Qdrant is running", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StoreRequestException($"Qdrant store '{_options.Name}' did not answer {what} within {_options.TimeoutSeconds} s", null,
                "raise stores[].timeoutSeconds", ex);
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var detail = await ErrorDetailAsync(response, cancellationToken).ConfigureAwait(false);
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new StoreRequestException(
                    $"Qdrant store '{_options.Name}' at {_options.Url} rejected the API key (HTTP {(int)response.StatusCode}{detail})", response.StatusCode,
                    _options.ApiKey is null ? "the server requires an API key: set stores[].apiKey, apiKeyEnv or apiKeyFile"
                        : "check the key given by stores[].apiKey, apiKeyEnv or apiKeyFile"),
                HttpStatusCode.NotFound when collection is not null => new NotFoundException(
                    $"collection '{collection}' not found on Qdrant store '{_options.Name}' at {_options.Url}{detail}",
                    "check stores[].collections (or leave it out to back up every collection)"),
                _ => new StoreRequestException($"Qdrant store '{_options.Name}' answered {what} with HTTP {(int)response.StatusCode}{detail}", response.StatusCode),
            };
        }
    }

    // Qdrant's error body is {"status":{"error":"..."},"time":...}.
    private static async Task<string> ErrorDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var error = JsonNode.Parse(text)?["status"]?["error"]?.GetValue<string>();
            return string.IsNullOrWhiteSpace(error) ? "" : $": {error}";
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or HttpRequestException)
        {
            return "";
        }
    }

    private StoreRequestException Unexpected(string path, string what) =>
        new($"Qdrant store '{_options.Name}' answered {path} with {what}", null, "is stores[].url a Qdrant REST endpoint (port 6333)?");

    public void Dispose() => _http.Dispose();
}
