// The cost of guarding an MCP endpoint, as ratios measured in the same run:
//  - McpGuard.check of one tools/call (token seen before, fresh proof verified, record handed
//    to an in-memory audit sink), against one native Ed25519 verify;
//  - one tools/call through the official SDK client and server over loopback HTTP
//    (Streamable HTTP, stateless, JSON responses), guarded (agent transport, McpGuard) against
//    the same server unguarded.
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { KeyPair } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import { mintCapability } from '@agent-id/tokens';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { McpGuard, createAgentTransport } from '../dist/index.js';
import { mcpNodeHandler } from '../dist/node.js';

const BASE = 'baseline: node:crypto Ed25519 verify (1 signature)';
const org = createAgentIdentity();
const rootKey = KeyPair.generate('Ed25519');
const agent = createAgentIdentity();
const credential = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: 'did:web:acme.example:users:alice' });
let seq = 0;
const audit = { append: async (record) => ({ seq: seq++, prevHash: '', hash: '', record }) };

function build() {
  const server = new McpServer({ name: 'orders', version: '1.0.0' });
  server.registerTool('query_orders', {}, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  return server;
}
async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/mcp` };
}

let guarded;
const g = await listen((req, res) => guarded(req, res));
const mcp = new McpGuard({ serverId: 'orders', resource: g.url, resolver: createDidResolver(), trustedIssuers: [org.did], trustedRoots: [rootKey.publicKey], audit });
guarded = mcpNodeHandler(mcp, build, { enableJsonResponse: true });
const bare = await listen(async (req, res) => {
  const server = build();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
});

const token = await mintCapability(
  {
    onBehalfOf: 'did:web:acme.example:users:alice',
    holder: agent.did,
    task: 'bench',
    resources: ['mcp:orders', 'mcp:orders/tools/query_orders'],
    actions: ['connect', 'call'],
    audience: [g.url],
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    maxDepth: 2,
  },
  { format: 'biscuit', rootKey, issuer: org.did },
);
const text = token.serialize();
const signer = { keyId: agent.keyId, keyPair: agent.keyPair };

// In process: the guard alone, each request with a fresh proof (made beforehand: signing is the client's cost).
const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'query_orders', arguments: {} } };
const proofs = Array.from({ length: 4000 }, () => createProof(signer, { method: 'POST', url: g.url, token: text }));
let next = 0;
const headers = (proof, withCredential) => (name) => ({ authorization: `DPoP ${text}`, dpop: proof, ...(withCredential ? { 'agent-credential': credential } : {}) })[name];
const first = await mcp.check({ method: 'POST', target: '/mcp', header: headers(proofs[next++], true), body });
if (first.decision !== 'allow') throw new Error(`bench setup refused: ${first.code}`);

const msg = new TextEncoder().encode(text.slice(0, 200));
const sig = agent.keyPair.sign(msg);
const keyObject = createPublicKey({ key: agent.keyPair.publicKey.toJwk(), format: 'jwk' });

const guardedClient = new Client({ name: 'bench', version: '1' });
await guardedClient.connect(createAgentTransport(g.url, { agent: signer, token, credential }));
const bareClient = new Client({ name: 'bench', version: '1' });
await bareClient.connect(new StreamableHTTPClientTransport(new URL(bare.url)));
const callTool = (client) => client.callTool({ name: 'query_orders', arguments: {} });

const rows = [
  measure(BASE, () => verify(null, msg, keyObject, sig)),
  await measureAsync('HttpGuard.check alone (its mapper: the first message), same request', () =>
    mcp.guard.check({ method: 'POST', target: '/mcp', header: headers(proofs[next++], false), body }),
  ),
  await measureAsync('McpGuard.check: tools/call, token seen before, fresh proof, in-memory audit', () =>
    mcp.check({ method: 'POST', target: '/mcp', header: headers(proofs[next++], false), body }),
  ),
];
printTable(rows, BASE);
console.log('');
const loop = [
  await measureAsync('SDK tools/call over loopback, unguarded', () => callTool(bareClient), { iterations: 50 }),
  await measureAsync('SDK tools/call over loopback, guarded (agent transport + McpGuard)', () => callTool(guardedClient), { iterations: 50 }),
];
printTable(loop, 'SDK tools/call over loopback, unguarded');
await guardedClient.close();
await bareClient.close();
g.server.closeAllConnections();
g.server.close();
bare.server.closeAllConnections();
bare.server.close();
