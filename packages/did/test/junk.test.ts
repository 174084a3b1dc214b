import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentIdError } from '@agent-id/core';
import { junkValues } from '@agent-id/test-support';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChallengeStore, createAgentIdentity, createDidResolver, didKeyDocument, didWebDocumentUrl, parseDidWeb, publicKeyFromDidKey, publicKeyFromVerificationMethod, MemoryStatusListStore, StatusList, checkCredentialStatus, createStatusListResolver, decodeStatusList, encodeStatusList, issueOwnershipCredential, issueStatusListCredential, reinstateCredential, revokeCredential, suspendCredential, verifyOwnershipCredential, verifyProofOfControl, verifyStatusListCredential } from '../src/index.js';
import { FileStatusListStore, statusListHandler } from '../src/node.js';

// The shared values of every type (@agent-id/test-support), then near-miss DIDs and
// verification-method shapes.
const JUNK: unknown[] = [
  ...junkValues,
  'did:',
  'did:key:',
  'did:web:',
  { id: 1 },
  { publicKeyJwk: {} },
  { publicKeyMultibase: 'z' },
  { publicKeyBase58: '0OIl', type: 'Ed25519VerificationKey2018' },
];

function outcome(f: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(f)
    .then(
      () => 'ok',
      (e: unknown) => (e instanceof AgentIdError ? e.code : e instanceof TypeError || e instanceof RangeError ? e.name : `UNEXPECTED ${String(e)}`),
    );
}

describe('junk never crashes an export', () => {
  const resolver = createDidResolver();
  const challenges = new ChallengeStore({ audience: 'did:web:v' });
  const org = createAgentIdentity();
  const statusLists = createStatusListResolver(resolver, { timeoutMs: 200 });
  const fileStore = mkdtemp(join(tmpdir(), 'junk-status-')).then((dir) => FileStatusListStore.open(dir));
  const list = StatusList.open({ issuer: org, url: 'https://acme.example/status/r', statusPurpose: 'revocation' });
  const exports: [string, (x: unknown) => unknown][] = [
    ['publicKeyFromDidKey', (x) => publicKeyFromDidKey(x as string)],
    ['didKeyDocument', (x) => didKeyDocument(x as string)],
    ['publicKeyFromVerificationMethod', (x) => publicKeyFromVerificationMethod(x)],
    ['parseDidWeb', (x) => parseDidWeb(x as string)],
    ['didWebDocumentUrl', (x) => didWebDocumentUrl(x as string)],
    ['resolver.resolve', (x) => resolver.resolve(x as string)],
    ['resolver.resolveKey', (x) => resolver.resolveKey(x as string, 'assertionMethod')],
    ['verifyOwnershipCredential', (x) => verifyOwnershipCredential(x, resolver, { trustedIssuers: [org.did] })],
    ['verifyProofOfControl', (x) => verifyProofOfControl(x, resolver, { challenges, trustedIssuers: [org.did] })],
    ['challenges.consume', (x) => challenges.consume(x)],
    ['decodeStatusList', (x) => decodeStatusList(x)],
    ['encodeStatusList', (x) => encodeStatusList(x as Uint8Array)],
    ['verifyStatusListCredential', (x) => verifyStatusListCredential(x, resolver, { issuer: org.did })],
    ['verifyStatusListCredential options', (x) => verifyStatusListCredential('a.b.c', resolver, x as never)],
    ['checkCredentialStatus', (x) => checkCredentialStatus(x, org.did, statusLists)],
    ['checkCredentialStatus issuer', (x) => checkCredentialStatus({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '1', statusListCredential: 'https://127.0.0.1:1/x' }, x as string, statusLists)],
    ['checkCredentialStatus resolver', (x) => checkCredentialStatus([], org.did, x as never)],
    ['statusLists.resolve', (x) => statusLists.resolve(x as string, org.did)],
    ['createStatusListResolver', (x) => createStatusListResolver(x as never)],
    ['issueStatusListCredential', (x) => issueStatusListCredential(org, x as never)],
    ['issueOwnershipCredential issuer', (x) => issueOwnershipCredential(x as never, { agent: 'did:key:z6Mkx' })],
    ['issueOwnershipCredential status', (x) => issueOwnershipCredential(org, { agent: 'did:key:z6Mkx', status: x as never })],
    ['issueOwnershipCredential dataModel', (x) => issueOwnershipCredential(org, { agent: 'did:key:z6Mkx', dataModel: x as never })],
    ['StatusList.open', (x) => StatusList.open(x as never)],
    ['StatusList.open url', (x) => StatusList.open({ issuer: org, url: x as string, statusPurpose: 'revocation' })],
    ['StatusList.open length', (x) => StatusList.open({ issuer: org, url: 'https://a.example/s', statusPurpose: 'revocation', length: x as number })],
    ['list.set', async (x) => (await list).set(x as number, true)],
    ['list.get', async (x) => (await list).get(x as number)],
    ['revokeCredential', async (x) => revokeCredential(x as string, await list)],
    ['suspendCredential', async (x) => suspendCredential(x as string, await list)],
    ['reinstateCredential lists', (x) => reinstateCredential('a.b.c', x as never)],
    ['statusListHandler', (x) => statusListHandler(x as never)],
    ['MemoryStatusListStore.read', (x) => new MemoryStatusListStore().read(x as string)],
    ['FileStatusListStore.read', async (x) => (await fileStore).read(x as string)],
  ];
  it.each(exports)('%s', async (_name, f) => {
    for (const value of JUNK) {
      expect(await outcome(() => f(value))).not.toMatch(/^UNEXPECTED/);
    }
  });

  it('random strings and JWT-shaped strings get coded errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join('.').replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', ''))), async (s) => {
        for (const [, f] of exports) {
          const r = await outcome(() => f(s));
          expect(r).not.toMatch(/^UNEXPECTED/);
        }
        expect(await outcome(() => verifyOwnershipCredential(s, resolver, { trustedIssuers: [org.did] }))).not.toBe('ok');
      }),
      { numRuns: 200 },
    );
  });
});
