// Agent-card verification with a warm DID cache, as a ratio to one native Ed25519 verify
// measured in the same run; the official @a2a-js/sdk verifyAgentCardSignature on the same
// card as a peer, printed as a ratio to ours.
import { createPublicKey, verify } from 'node:crypto';
import { canonicalizeAgentCard as sdkCanonicalize, verifyAgentCardSignature } from '@a2a-js/sdk';
import { createAgentIdentity, createDidResolver } from '@agent-id/did';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import { canonicalizeAgentCard, signAgentCard, verifyAgentCard } from '../dist/index.js';
import { serveAgentCard } from '../dist/node.js';

const BASE = 'baseline: node:crypto Ed25519 verify (1 signature)';
const server = await serveAgentCard();
const org = createAgentIdentity({ method: 'web', domain: server.authority });
server.setDidDocuments([org.document]);
const card = signAgentCard(
  {
    name: 'Trip Planner',
    description: 'Plans business trips',
    version: '1.2.0',
    supportedInterfaces: [
      { url: `${server.origin}/a2a/v1`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${server.origin}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    provider: { organization: 'Acme Corp', url: 'https://acme.example' },
    capabilities: { streaming: true, pushNotifications: false },
    securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', bearerFormat: 'JWT' } } },
    securityRequirements: [{ schemes: { bearer: { list: ['trips:write'] } } }],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['application/json'],
    skills: [
      { id: 'plan', name: 'Plan a trip', description: 'Books flights and hotels', tags: ['travel', 'booking'], examples: ['Fly me to Lisbon on Monday'] },
      { id: 'expense', name: 'File expenses', description: 'Files receipts', tags: ['finance'] },
    ],
  },
  org,
);
const text = JSON.stringify(card);
const resolver = createDidResolver({ allowHttpLoopback: true });
const policy = { signers: [{ did: org.did }] };
await verifyAgentCard(card, resolver, policy); // warms the DID cache (one HTTP fetch)

const msg = new TextEncoder().encode(canonicalizeAgentCard(card));
const sig = org.keyPair.sign(msg);
const keyObject = createPublicKey({ key: org.keyPair.publicKey.toJwk(), format: 'jwk' });
const jwk = org.keyPair.publicKey.toJwk();
const sdkVerify = verifyAgentCardSignature(async () => jwk);
const debug = console.debug;
console.debug = () => {};
await sdkVerify(card);

console.log(`card: ${Buffer.byteLength(text)} bytes, 1 EdDSA signature, did:web signer on 127.0.0.1 (warm cache)`);
// Three interleaved rounds; each row keeps its fastest round's median, so load from other
// processes on a shared machine moves the ratios less.
const best = (a, b) => (!a || b.medianUs < a.medianUs ? b : a);
const SDK = '@a2a-js/sdk verifyAgentCardSignature (key given, no DID)';
const OURS = 'verifyAgentCard (object), warm DID cache';
const rounds = {};
for (let round = 0; round < 3; round++) {
  const rows = [
    measure(BASE, () => verify(null, msg, keyObject, sig), { iterations: 1000 }),
    await measureAsync(OURS, () => verifyAgentCard(card, resolver, policy), { iterations: 500 }),
    await measureAsync('verifyAgentCard (JSON text), warm DID cache', () => verifyAgentCard(text, resolver, policy), { iterations: 500 }),
    measure('canonicalizeAgentCard (ours)', () => canonicalizeAgentCard(card), { iterations: 1000 }),
    measure('canonicalizeAgentCard (@a2a-js/sdk)', () => sdkCanonicalize(card), { iterations: 1000 }),
    await measureAsync(SDK, () => sdkVerify(card), { iterations: 500 }),
  ];
  for (const row of rows) rounds[row.name] = best(rounds[row.name], row);
}
console.debug = debug;
const rows = Object.values(rounds);
printTable(rows, BASE);
const ours = rounds[OURS];
console.log(`goal: card verification (warm DID cache) <= 2x one native Ed25519 verify -> ${(ours.medianUs / rounds[BASE].medianUs).toFixed(2)}x`);
console.log(`peer: @a2a-js/sdk verifyAgentCardSignature on the same card = ${(rounds[SDK].medianUs / ours.medianUs).toFixed(2)}x ours`);
await server.close();
