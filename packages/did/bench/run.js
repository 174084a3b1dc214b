// Ownership-credential and proof-of-control verification with a warm DID cache, as ratios
// to one native Ed25519 verify measured in the same run; did-jwt's verifyJWT as a peer.
// Then the status list: verification with a warm status list against the same without
// status, and decoding a 131,072-entry list.
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { verifyJWT } from 'did-jwt';
import { Resolver } from 'did-resolver';
import { getResolver } from 'key-did-resolver';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import { ChallengeStore, createAgentIdentity, createDidResolver, issueOwnershipCredential, STATUS_LIST_MIN_LENGTH, StatusList, checkCredentialStatus, createStatusListResolver, decodeStatusList, encodeStatusList, presentOwnership, verifyOwnershipCredential, verifyProofOfControl } from '../dist/index.js';
import { didDocumentHandler, statusListHandler } from '../dist/node.js';

const BASE = 'node:crypto Ed25519 verify (1 signature)';
const agent = createAgentIdentity();
const msg = new TextEncoder().encode('x'.repeat(200));
const sig = agent.keyPair.sign(msg);
const keyObject = createPublicKey({ key: agent.keyPair.publicKey.toJwk(), format: 'jwk' });

const docs = [];
let serveStatus = () => false;
const server = createServer((req, res) => serveStatus(req, res) || didDocumentHandler(docs)(req, res) || res.writeHead(404).end());
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

// Status list: a revocation list of 131,072 entries served from the organisation's host,
// 1,000 of them revoked; the verifier's list cache warm (ttl one hour).
const revocations = await StatusList.open({ issuer: webOrg, url: `http://${host}/status/revocation`, statusPurpose: 'revocation', ttlMs: 3_600_000 });
serveStatus = statusListHandler([revocations]);
const statusVc = await issueOwnershipCredential(webOrg, { agent: agent.did, onBehalfOf: 'user:alice', status: revocations });
for (let i = 0; i < 1000; i++) {
  const { statusListIndex } = await revocations.allocate();
  await revocations.set(Number(statusListIndex), true);
}
const statusLists = createStatusListResolver(resolver, { allowHttpLoopback: true });
await verifyOwnershipCredential(statusVc, resolver, { trustedIssuers: [webOrg.did], statusLists });
const bits = new Uint8Array(STATUS_LIST_MIN_LENGTH / 8);
for (let i = 0; i < 1000; i++) bits[Math.floor(Math.random() * bits.length)] |= 0x80 >> Math.floor(Math.random() * 8);
const encodedList = await encodeStatusList(bits);
const NO_STATUS = 'ownership VC verify, did:web issuer, no status';
const WITH_STATUS = 'same, with a revocation entry, warm status list';
// This machine is shared and its load moves: the two verifications are timed in alternating
// batches (A, B, A, B, …), the ratio taken per pair, and the median ratio reported, so a busy
// moment lands on both sides alike. The rows show each side's median batch.
const paired = async (pairs, iterations, a, b) => {
  const ratios = [];
  const times = [[], []];
  for (let i = 0; i < iterations; i++) await a(), await b();
  for (let p = 0; p < pairs; p++) {
    const t = [];
    for (const f of [a, b]) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) await f();
      t.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
    }
    times[0].push(t[0]);
    times[1].push(t[1]);
    ratios.push(t[1] / t[0]);
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  const row = (name, xs) => ({ name, medianUs: median(xs), minUs: Math.min(...xs), maxUs: Math.max(...xs), batches: pairs, iterations });
  return { ratio: median(ratios), rows: [row(NO_STATUS, times[0]), row(WITH_STATUS, times[1])] };
};
const pair = await paired(21, 200,
  () => verifyOwnershipCredential(webVc, resolver, { trustedIssuers: [webOrg.did] }),
  () => verifyOwnershipCredential(statusVc, resolver, { trustedIssuers: [webOrg.did], statusLists }));
const fastest = async (n, f) => {
  let row;
  for (let i = 0; i < n; i++) {
    const r = await f();
    if (!row || r.medianUs < row.medianUs) row = r;
  }
  return row;
};
const facts = await verifyOwnershipCredential(statusVc, resolver, { trustedIssuers: [webOrg.did], statusLists });
const statusRows = [
  await fastest(3, () => measure(BASE, () => verify(null, msg, keyObject, sig), { iterations: 2000 })),
  ...pair.rows,
  await measureAsync('checkCredentialStatus alone, warm status list', () => checkCredentialStatus(facts.credentialStatus, webOrg.did, statusLists), { iterations: 5000 }),
  await fastest(3, () => measureAsync(`decodeStatusList: ${STATUS_LIST_MIN_LENGTH} entries, 1,000 set (${encodedList.length} chars)`, () => decodeStatusList(encodedList), { iterations: 300 })),
  await measureAsync(`encodeStatusList: ${STATUS_LIST_MIN_LENGTH} entries, 1,000 set`, () => encodeStatusList(bits), { iterations: 100 }),
];
console.log('');
printTable(statusRows, BASE);
console.log(`warm status list / no status: ${pair.ratio.toFixed(3)}× (goal ≤ 1.1×; median of 21 paired batches of 200)`);
server.close();
