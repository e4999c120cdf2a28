using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PgArk.Tests.TestServers;

namespace PgArk.Tests.Stores;

/// <summary>
/// A loopback stand-in for Neo4j's HTTP transaction API (<c>POST /db/{database}/tx/commit</c>, Neo4j 4.x/5.x): basic
/// authentication (401 with Neo.ClientError.Security.Unauthorized), Neo.ClientError.Database.DatabaseNotFound for a missing
/// database, and the answer format <c>{"results":[{"columns","data":[{"row"}]}],"errors":[]}</c>. It reads the graph the
/// <c>neo4j-admin</c> stand-in dumps and loads (<c>$NEO4J_HOME/data/databases/&lt;db&gt;/graph.json</c>) and answers the
/// count statements PgArk sends; any other statement is a syntax error, as it would be for a query it cannot run.
/// </summary>
internal sealed class Neo4jHttpStandIn : LoopbackHttpServer
{
    private readonly string _home;
    private readonly string _authorization;

    public Neo4jHttpStandIn(string home, string user, string password)
    {
        _home = home;
        _authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        Start();
    }

    /// <summary>
    /// Copies the <c>neo4j-admin</c> stand-in script (copied next to the test assembly as <c>Stores/neo4j-admin-standin.sh</c>)
    /// into <paramref name="folder"/> as an executable <c>neo4j-admin</c>; returns its path.
    /// </summary>
    public static string InstallAdminScript(string folder)
    {
        var path = Path.Combine(folder, "neo4j-admin");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Stores", "neo4j-admin-standin.sh"), path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Writes a database the way the neo4j-admin stand-in keeps it: nodes as label lists, relationships as types.</summary>
    public static void WriteGraph(string home, string database, IEnumerable<string[]> nodes, IEnumerable<string> relationships)
    {
        var folder = Path.Combine(home, "data", "databases", database);
        Directory.CreateDirectory(folder);
        var graph = new JsonObject
        {
            ["nodes"] = new JsonArray(nodes.Select(n => (JsonNode)new JsonArray(n.Select(l => (JsonNode)l).ToArray())).ToArray()),
            ["relationships"] = new JsonArray(relationships.Select(r => (JsonNode)r).ToArray()),
        };
        File.WriteAllText(Path.Combine(folder, "graph.json"), graph.ToJsonString());
    }


    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        if (request.Headers["Authorization"] != _authorization)
        {
            await WriteAsync(context.Response, 401, Errors("Neo.ClientError.Security.Unauthorized", "The client is unauthorized due to authentication failure."));
            return;
        }
        var segments = request.Url!.AbsolutePath.Trim('/').Split('/');
        if (request.HttpMethod != "POST" || segments is not ["db", var database, "tx", "commit"])
        {
            await WriteAsync(context.Response, 404, Errors("Neo.ClientError.Request.Invalid", "Not found"));
            return;
        }
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
        var graphFile = Path.Combine(_home, "data", "databases", database, "graph.json");
        if (!File.Exists(graphFile))
        {
            await WriteAsync(context.Response, 200, Errors("Neo.ClientError.Database.DatabaseNotFound", $"Database does not exist. Database name: '{database}'."));
            return;
        }
        var graph = JsonNode.Parse(File.ReadAllText(graphFile))!;
        var nodes = graph["nodes"]!.AsArray().Select(n => n!.AsArray().Select(l => l!.GetValue<string>()).ToList()).ToList();
        var relationships = graph["relationships"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        var results = new JsonArray();
        foreach (var statement in body["statements"]!.AsArray().Select(s => s!["statement"]!.GetValue<string>()))
        {
            IEnumerable<JsonArray> rows;
            string[] columns;
            switch (statement)
            {
                case "MATCH (n) RETURN count(n) AS count":
                    (columns, rows) = (["count"], [new JsonArray(nodes.Count)]);
                    break;
                case "MATCH ()-[r]->() RETURN count(r) AS count":
                    (columns, rows) = (["count"], [new JsonArray(relationships.Count)]);
                    break;
                case "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count":
                    (columns, rows) = (["label", "count"], nodes.SelectMany(n => n).GroupBy(l => l).Select(g => new JsonArray(g.Key, g.Count())));
                    break;
                case "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count":
                    (columns, rows) = (["type", "count"], relationships.GroupBy(t => t).Select(g => new JsonArray(g.Key, g.Count())));
                    break;
                default:
                    await WriteAsync(context.Response, 200, Errors("Neo.ClientError.Statement.SyntaxError", $"stand-in cannot run: {statement}"));
                    return;
            }
            results.Add(new JsonObject
            {
                ["columns"] = new JsonArray(columns.Select(c => (JsonNode)c).ToArray()),
                ["data"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject { ["row"] = r, ["meta"] = new JsonArray() }).ToArray()),
            });
        }
        await WriteAsync(context.Response, 200, new JsonObject { ["results"] = results, ["errors"] = new JsonArray() });
    }

    private static JsonObject Errors(string code, string message) => new()
    {
        ["results"] = new JsonArray(), ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }),
    };

    private static async Task WriteAsync(HttpListenerResponse response, int status, JsonNode body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

}
