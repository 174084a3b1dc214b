// Ownership-credential and proof-of-control verification with a warm DID cache, as ratios
// to one native Ed25519 verify measured in the same run; did-jwt's verifyJWT as a peer.
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { verifyJWT } from 'did-jwt';
import { Resolver } from 'did-resolver';
import { getResolver } from 'key-did-resolver';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import {
  ChallengeStore,
  createAgentIdentity,
  createDidResolver,
  didDocumentHandler,
  issueOwnershipCredential,
  presentOwnership,
  verifyOwnershipCredential,
  verifyProofOfControl,
} from '../dist/index.js';

const BASE = 'node:crypto Ed25519 verify (1 signature)';
const agent = createAgentIdentity();
const msg = new TextEncoder().encode('x'.repeat(200));
const sig = agent.keyPair.sign(msg);
const keyObject = createPublicKey({ key: agent.keyPair.publicKey.toJwk(), format: 'jwk' });

const docs = [];
const server = createServer((req, res) => didDocumentHandler(docs)(req, res) || res.writeHead(404).end());
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const host = `127.0.0.1:${server.address().port}`;
const webOrg = createAgentIdentity({ method: 'web', domain: host });
docs.push(webOrg.document);
const keyOrg = createAgentIdentity();
const resolver = createDidResolver({ allowHttpLoopback: true });
const webVc = await issueOwnershipCredential(webOrg, { agent: agent.did, onBehalfOf: 'user:alice' });
const keyVc = await issueOwnershipCredential(keyOrg, { agent: agent.did, onBehalfOf: 'user:alice' });
const challenges = new ChallengeStore({ audience: 'did:web:api.example', maxOutstanding: 1_000_000 });
const independent = new Resolver(getResolver());
await verifyJWT(keyVc, { resolver: independent });

const rows = [
  measure(BASE, () => verify(null, msg, keyObject, sig), { iterations: 2000 }),
  await measureAsync('ownership VC verify, did:web issuer, warm cache (1 signature)', () =>
    verifyOwnershipCredential(webVc, resolver, { trustedIssuers: [webOrg.did] }),
  { iterations: 1000 }),
  await measureAsync('ownership VC verify, did:key issuer, warm cache (1 signature)', () =>
    verifyOwnershipCredential(keyVc, resolver, { trustedIssuers: [keyOrg.did] }),
  { iterations: 1000 }),
  await measureAsync('proof of control: presentation + VC (2 signatures)', async () => {
    const vp = presentOwnership(agent, keyVc, challenges.issue());
    return verifyProofOfControl(vp, resolver, { challenges, trustedIssuers: [keyOrg.did] });
  }, { iterations: 300 }),
  await measureAsync('peer: did-jwt 8 verifyJWT, same did:key VC, warm resolver', () => verifyJWT(keyVc, { resolver: independent }), { iterations: 100 }),
];
console.log(`@agent-id/did — Node ${process.version}`);
printTable(rows, BASE);
console.log('(the proof-of-control row includes signing the presentation with @noble/curves)');
server.close();
