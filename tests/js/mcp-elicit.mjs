// The MCP TypeScript SDK as a client that declares elicitation, against `pgark serve`'s /mcp: a destructive tool must
// ask it. Usage: PGARK_KEY=... node mcp-elicit.mjs http://127.0.0.1:PORT/mcp SERVER BACKUP_ID
// Calls delete_backup twice: the first question is declined (with confirm: true from "the model"), the second accepted
// (without any confirm). Prints one JSON object with what it saw; exits non-zero on any failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [url, server, backupId] = process.argv.slice(2);
if (!url || !server || !backupId || !process.env.PGARK_KEY) {
  console.error("usage: PGARK_KEY=... node mcp-elicit.mjs URL SERVER BACKUP_ID");
  process.exit(2);
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${process.env.PGARK_KEY}` } },
});
const client = new Client({ name: "pgark-ts-elicit", version: "1.0.0" }, { capabilities: { elicitation: { form: {} } } });
const asked = [];
let accept = false;
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  asked.push(request.params.message);
  return accept ? { action: "accept", content: { confirm: true } } : { action: "decline" };
});
await client.connect(transport);
const sessionId = transport.sessionId ?? null;

const declined = await client.callTool({ name: "delete_backup", arguments: { server, backup_id: backupId, confirm: true } });
accept = true;
const accepted = await client.callTool({ name: "delete_backup", arguments: { server, backup_id: backupId } });

console.log(JSON.stringify({
  session: sessionId !== null,
  asked,
  declined: { is_error: declined.isError === true, text: declined.content[0].text },
  accepted: { is_error: accepted.isError === true, text: accepted.content[0].text },
}));
await transport.terminateSession();
await client.close();
