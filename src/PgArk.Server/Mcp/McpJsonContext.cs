using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PgArk.Server.Mcp;

[JsonSerializable(typeof(IDictionary<string, JsonElement>))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class McpJsonContext : JsonSerializerContext;
