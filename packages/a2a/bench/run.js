// The CPU cost of the A2A guard's check of one JSON-RPC request, in process (no socket), as
// a ratio to one native Ed25519 verify measured in the same run: the proof verified, the
// ownership credential already cached, the record handed to an in-memory sink (the cost of a
// durable log is the sink's, measured in @agent-id/core's benchmarks). Every call gets a
// proof of its own, signed before timing.
import { createPublicKey, verify } from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { KeyPair, signCompactJws } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { attenuate, mintCapability } from '@agent-id/tokens';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import { A2AGuard, capabilityMetadata } from '../dist/index.js';

const BASE = 'baseline: node:crypto Ed25519 verify (1 signature)';
const ITER = 200;
const BATCHES = 7;
const CALLS = ITER * (BATCHES + 1);
const endpoint = 'http://127.0.0.1:8080/agents/analyst/a2a';
const org = createAgentIdentity();
const rootKey = KeyPair.generate('Ed25519');
const caller = createAgentIdentity();
const receiver = createAgentIdentity();
const credential = await issueOwnershipCredential(org, { agent: caller.did, onBehalfOf: 'user:alice' });
let seq = 0;
const sink = { append: async (record) => ({ seq: seq++, prevHash: '', hash: '', record }) };
const guard = new A2AGuard({ agent: receiver.did, endpoint, resolver: createDidResolver(), trustedIssuers: [org.did], trustedRoots: [rootKey.publicKey], audit: sink });
const expiresAt = Math.floor(Date.now() / 1000) + 3600;
const scope = { onBehalfOf: 'user:alice', task: 'q3', resources: ['crm:/c/*'], actions: ['read'], audience: ['did:web:crm.example'], expiresAt, maxDepth: 3 };
const root = await mintCapability({ ...scope, holder: caller.did }, { format: 'biscuit', rootKey, issuer: org.did });
const delegated = (await attenuate(root, { to: receiver.did, signer: caller.keyPair, trustedRoots: rootKey.publicKey })).serialize();
const endpointToken = (
  await mintCapability({ ...scope, holder: caller.did, resources: ['a2a:/agents/analyst/a2a'], actions: ['SendMessage'], audience: [endpoint] }, { format: 'biscuit', rootKey, issuer: org.did })
).serialize();

const signer = { keyId: caller.keyId, keyPair: caller.keyPair };
// A proof as createProof makes it, but naming its key by `kid` only: verifyProof then skips
// parsing and comparing a `jwk` (before http cached its validation per key, the costliest step).
function kidOnlyProof(token) {
  const claims = { jti: randomBytes(16).toString('base64url'), htm: 'POST', htu: endpoint, iat: Math.floor(Date.now() / 1000), ath: createHash('sha256').update(token).digest('base64url') };
  return signCompactJws({ typ: 'dpop+jwt', kid: caller.keyId }, new TextEncoder().encode(JSON.stringify(claims)), caller.keyPair);
}
function requests(token, metadata, proofOf = (t) => createProof(signer, { method: 'POST', url: endpoint, token: t })) {
  const body = { jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [], ...(metadata ? { metadata } : {}) } } };
  return Array.from({ length: CALLS }, () => {
    const headers = { authorization: `DPoP ${token}`, dpop: proofOf(token), 'agent-credential': credential };
    return { method: 'POST', target: '/agents/analyst/a2a', header: (name) => headers[name], body };
  });
}
async function rowOf(name, list) {
  let i = 0;
  const first = await guard.check(list[i++]);
  if (first.decision !== 'allow') throw new Error(`${name}: ${first.code}`);
  return measureAsync(
    name,
    async () => {
      const d = await guard.check(list[i++]);
      if (d.decision !== 'allow') throw new Error(`${name}: ${d.code}`);
    },
    { iterations: ITER, batches: BATCHES, warmup: ITER - 1 },
  );
}

const msg = new TextEncoder().encode('x'.repeat(200));
const kp = KeyPair.generate('Ed25519');
const keyObject = createPublicKey({ key: kp.publicKey.toJwk(), format: 'jwk' });
const sig = kp.sign(msg);
const rows = [
  measure(BASE, () => verify(null, msg, keyObject, sig), { iterations: 1000 }),
  await rowOf('credential only: proof + cached credential + record', requests(credential)),
  await rowOf('credential only, proof naming its key by kid only (no jwk to parse)', requests(credential, undefined, kidOnlyProof)),
  await rowOf('capability token for the endpoint (1 hop seen before) + proof + record', requests(endpointToken)),
  await rowOf('credential only + a 2-hop delegation in the message (seen before) + 2 records', requests(credential, capabilityMetadata(delegated, 'q3'))),
];
printTable(rows, BASE);
