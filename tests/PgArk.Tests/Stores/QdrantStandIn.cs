using System.Formats.Tar;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PgArk.Tests.TestServers;

namespace PgArk.Tests.Stores;

/// <summary>
/// A loopback HTTP server that follows Qdrant's documented REST API (v1.x, api.qdrant.tech) for what backups use:
/// GET /collections, GET /collections/{name}, POST/GET/DELETE /collections/{name}/snapshots[/{snapshot}],
/// POST /collections/{name}/snapshots/upload?priority=...&amp;checksum=..., and the full-storage POST/GET/DELETE /snapshots.
/// Snapshots are real tar files on disk (a collection.json with the points and vectors config, plus the points), the
/// reported checksum is their SHA-256, the <c>api-key</c> header is checked like Qdrant does (401), unknown collections
/// and snapshots give 404 with Qdrant's error body, and an upload with a wrong checksum or an unknown priority is refused (400).
/// Qdrant itself cannot be installed on the build machines; this is the stand-in the issue allows.
/// </summary>
internal sealed class QdrantStandIn : LoopbackHttpServer
{
    private readonly string _folder;
    private readonly string? _apiKey;
    private readonly object _sync = new();

    public QdrantStandIn(string folder, string? apiKey) : base(concurrent: true)
    {
        _folder = folder;
        _apiKey = apiKey;
        Directory.CreateDirectory(folder);
        Start();
    }

    /// <summary>Collections: name → (points, vectors config).</summary>
    public Dictionary<string, (List<string> Points, JsonNode Vectors)> Collections { get; } = [];

    /// <summary>Every request as "METHOD path?query".</summary>
    public List<string> Requests { get; } = [];

    public void AddCollection(string name, int points, int size = 4, string distance = "Cosine")
    {
        lock (_sync)
        {
            Collections[name] = (Enumerable.Range(1, points).Select(i => $"point-{i}").ToList(), new JsonObject { ["size"] = size, ["distance"] = distance });
        }
    }

    /// <summary>Snapshot files still on the server (a backup must delete what it created).</summary>
    public IReadOnlyList<string> SnapshotFiles() => Directory.Exists(_folder)
        ? Directory.GetFiles(_folder, "*.snapshot", SearchOption.AllDirectories).ToList() : [];


    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            lock (Requests)
            {
                Requests.Add($"{request.HttpMethod} {request.Url!.PathAndQuery}");
            }
            if (_apiKey is not null && request.Headers["api-key"] != _apiKey)
            {
                await JsonAsync(response, 401, Error(request.Headers["api-key"] is null
                    ? "Must provide an API key or an Authorization bearer token" : "Invalid API key or JWT"));
                return;
            }
            var segments = request.Url!.AbsolutePath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
            await RouteAsync(request, response, segments);
        }
        catch (Exception ex)
        {
            await JsonAsync(response, 500, Error($"stand-in failure: {ex.Message}"));
        }
    }

    private async Task RouteAsync(HttpListenerRequest request, HttpListenerResponse response, string[] s)
    {
        var method = request.HttpMethod;
        switch (s)
        {
            case ["collections"] when method == "GET":
                JsonArray list;
                lock (_sync)
                {
                    list = new JsonArray(Collections.Keys.Order().Select(n => (JsonNode)new JsonObject { ["name"] = n }).ToArray());
                }
                await JsonAsync(response, 200, Ok(new JsonObject { ["collections"] = list }));
                return;
            case ["snapshots"] when method == "POST":
                await JsonAsync(response, 200, Ok(CreateSnapshot(null)));
                return;
            case ["snapshots", var name] when method == "GET":
                await FileAsync(response, SnapshotPath(null, name));
                return;
            case ["snapshots", var name] when method == "DELETE":
                await DeleteAsync(response, SnapshotPath(null, name));
                return;
            case ["collections", var c, "snapshots", "upload"] when method == "POST":
                await UploadAsync(request, response, c);
                return;
        }
        if (s is ["collections", var collection, ..])
        {
            bool exists;
            lock (_sync)
            {
                exists = Collections.ContainsKey(collection);
            }
            if (!exists)
            {
                await JsonAsync(response, 404, Error($"Not found: Collection `{collection}` doesn't exist!"));
                return;
            }
            switch (s)
            {
                case [_, _] when method == "GET":
                    JsonObject info;
                    lock (_sync)
                    {
                        var (points, vectors) = Collections[collection];
                        info = new JsonObject
                        {
                            ["status"] = "green", ["points_count"] = points.Count, ["indexed_vectors_count"] = 0,
                            ["config"] = new JsonObject { ["params"] = new JsonObject { ["vectors"] = vectors.DeepClone(), ["shard_number"] = 1 } },
                        };
                    }
                    await JsonAsync(response, 200, Ok(info));
                    return;
                case [_, _, "snapshots"] when method == "POST":
                    await JsonAsync(response, 200, Ok(CreateSnapshot(collection)));
                    return;
                case [_, _, "snapshots"] when method == "GET":
                    var folder = Path.Combine(_folder, collection);
                    var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.snapshot") : [];
                    await JsonAsync(response, 200, Ok(new JsonArray(files.Select(f => (JsonNode)Describe(f)).ToArray())));
                    return;
                case [_, _, "snapshots", var name] when method == "GET":
                    await FileAsync(response, SnapshotPath(collection, name));
                    return;
                case [_, _, "snapshots", var name] when method == "DELETE":
                    await DeleteAsync(response, SnapshotPath(collection, name));
                    return;
            }
        }
        await JsonAsync(response, 404, Error($"Not found: {method} {request.Url!.AbsolutePath}"));
    }

    private string SnapshotPath(string? collection, string name) =>
        name.Contains('/') || name.Contains("..") ? throw new ArgumentException("bad name") : Path.Combine(_folder, collection ?? "_full", name);

    private JsonObject CreateSnapshot(string? collection)
    {
        var folder = Path.Combine(_folder, collection ?? "_full");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{collection ?? "full"}-{Guid.NewGuid():N}.snapshot");
        lock (_sync)
        {
            using var file = File.Create(path);
            using var tar = new TarWriter(file, TarEntryFormat.Pax);
            foreach (var (name, (points, vectors)) in Collections.Where(c => collection is null || c.Key == collection))
            {
                Add(tar, $"{name}/collection.json", new JsonObject { ["name"] = name, ["vectors"] = vectors.DeepClone() }.ToJsonString());
                Add(tar, $"{name}/points.txt", string.Join('\n', points) + new string('x', 20000));
            }
        }
        return Describe(path);
    }

    private static void Add(TarWriter tar, string name, string text) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });

    private static JsonObject Describe(string path) => new()
    {
        ["name"] = Path.GetFileName(path), ["creation_time"] = File.GetLastWriteTimeUtc(path).ToString("yyyy-MM-ddTHH:mm:ss"),
        ["size"] = new FileInfo(path).Length, ["checksum"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))),
    };

    private async Task UploadAsync(HttpListenerRequest request, HttpListenerResponse response, string collection)
    {
        var priority = request.QueryString["priority"] ?? "replica";
        if (priority is not ("replica" or "snapshot" or "no_sync"))
        {
            await JsonAsync(response, 400, Error($"Bad request: unknown priority {priority}"));
            return;
        }
        using var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        var snapshot = MultipartFile(request.ContentType, body.ToArray(), "snapshot");
        if (snapshot is null)
        {
            await JsonAsync(response, 400, Error("Bad request: no 'snapshot' form field"));
            return;
        }
        if (request.QueryString["checksum"] is { } checksum && checksum != Convert.ToHexStringLower(SHA256.HashData(snapshot)))
        {
            await JsonAsync(response, 400, Error("Bad request: Snapshot checksum mismatch"));
            return;
        }
        List<string>? points = null;
        JsonNode? vectors = null;
        try
        {
            using var reader = new TarReader(new MemoryStream(snapshot));
            while (reader.GetNextEntry() is { } entry)
            {
                using var text = new StreamReader(entry.DataStream!);
                var content = text.ReadToEnd();
                if (entry.Name.EndsWith("/collection.json", StringComparison.Ordinal))
                {
                    vectors = JsonNode.Parse(content)!["vectors"]!.DeepClone();
                }
                else if (entry.Name.EndsWith("/points.txt", StringComparison.Ordinal))
                {
                    points = content.TrimEnd('x').Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            await JsonAsync(response, 400, Error($"Bad request: not a snapshot archive ({ex.Message})"));
            return;
        }
        if (points is null || vectors is null)
        {
            await JsonAsync(response, 400, Error("Bad request: snapshot has no collection"));
            return;
        }
        lock (_sync)
        {
            // priority=snapshot: the snapshot's data replaces what the collection holds (created when missing).
            Collections[collection] = (points, vectors);
        }
        await JsonAsync(response, 200, Ok(true));
    }

    private static byte[]? MultipartFile(string? contentType, byte[] body, string field)
    {
        var boundary = contentType?.Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("boundary=", StringComparison.Ordinal))?[9..].Trim('"');
        if (boundary is null)
        {
            return null;
        }
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var start = body.AsSpan().IndexOf(delimiter);
        while (start >= 0)
        {
            var partStart = start + delimiter.Length + 2;
            var headerEnd = body.AsSpan(partStart).IndexOf("\r\n\r\n"u8);
            if (headerEnd < 0)
            {
                return null;
            }
            var headers = Encoding.ASCII.GetString(body, partStart, headerEnd);
            var contentStart = partStart + headerEnd + 4;
            var next = body.AsSpan(contentStart).IndexOf(Encoding.ASCII.GetBytes("\r\n--" + boundary));
            if (next < 0)
            {
                return null;
            }
            if (headers.Contains($"name={field}", StringComparison.Ordinal) || headers.Contains($"name=\"{field}\"", StringComparison.Ordinal))
            {
                return body.AsSpan(contentStart, next).ToArray();
            }
            start = contentStart + next + 2;
        }
        return null;
    }

    private static async Task FileAsync(HttpListenerResponse response, string path)
    {
        if (!File.Exists(path))
        {
            await JsonAsync(response, 404, Error($"Not found: Snapshot {Path.GetFileName(path)} not found"));
            return;
        }
        response.StatusCode = 200;
        response.ContentType = "application/octet-stream";
        await using (var file = File.OpenRead(path))
        {
            response.ContentLength64 = file.Length;
            await file.CopyToAsync(response.OutputStream);
        }
        response.Close();
    }

    private static async Task DeleteAsync(HttpListenerResponse response, string path)
    {
        if (!File.Exists(path))
        {
            await JsonAsync(response, 404, Error($"Not found: Snapshot {Path.GetFileName(path)} not found"));
            return;
        }
        File.Delete(path);
        await JsonAsync(response, 200, Ok(true));
    }

    private static JsonObject Ok(JsonNode result) => new() { ["result"] = result, ["status"] = "ok", ["time"] = 0.001 };

    private static JsonObject Error(string message) => new() { ["status"] = new JsonObject { ["error"] = message }, ["time"] = 0.0 };

    private static async Task JsonAsync(HttpListenerResponse response, int status, JsonNode body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

}
