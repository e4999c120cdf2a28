// An independent MCP client (the official TypeScript SDK) against `pgark serve`'s /mcp, for the integration tests.
// Usage: PGARK_KEY=... node mcp-client.mjs http://127.0.0.1:PORT/mcp SERVER
// Prints one JSON object with what it saw; exits non-zero on any failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, server] = process.argv.slice(2);
if (!url || !server || !process.env.PGARK_KEY) {
  console.error("usage: PGARK_KEY=... node mcp-client.mjs URL SERVER");
  process.exit(2);
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${process.env.PGARK_KEY}` } },
});
const client = new Client({ name: "pgark-ts-test", version: "1.0.0" });
await client.connect(transport);

const tools = await client.listTools();
const listed = await client.callTool({ name: "list_backups", arguments: { server, limit: 5 } });
const refused = await client.callTool({ name: "restore", arguments: { server, pgdata: "/tmp/pgark-ts-never" } });
const progress = [];
const backup = await client.callTool(
  { name: "backup", arguments: { server, type: "incr" } },
  undefined,
  { onprogress: (p) => progress.push(p), timeout: 300000 },
);
const resources = await client.listResources();
const read = await client.readResource({ uri: `pgark://servers/${server}/backups` });

console.log(JSON.stringify({
  server_name: client.getServerVersion()?.name,
  tools: tools.tools.map((t) => ({ name: t.name, destructive: t.annotations?.destructiveHint ?? null, read_only: t.annotations?.readOnlyHint ?? null })),
  list_backups: JSON.parse(listed.content[0].text),
  restore_refused: { is_error: refused.isError === true, text: refused.content[0].text },
  backup: { is_error: backup.isError === true, result: JSON.parse(backup.content[0].text) },
  progress,
  resources: resources.resources.map((r) => r.uri),
  backups_resource: JSON.parse(read.contents[0].text),
}));
await client.close();
