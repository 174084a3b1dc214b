import { ECDH } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyPair, RevocationStaleError, base64urlEncode } from '@agent-id/core';
import { multibaseEncode } from '@agent-id/core/internal';
import { didKeyFromPublicKey } from '@agent-id/did';
import { afterAll, describe, expect, it } from 'vitest';
import { type CapabilityToken, MemoryRevocationStore, type RevocationQuery, type RevocationStore, type TokenFormat, attenuate, authorize, isRevocationId, validRevocationTarget } from '../src/index.js';
import { FileRevocationStore } from '../src/node.js';
import { AUD, ORG, USER, agents, chainOf, clock, codeOf, dids, mint, orgKey, trust } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'agent-id-revocations-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let files = 0;

async function failure(promise: Promise<unknown>): Promise<{ code: string; check: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; check?: string; message?: string };
    return { code: e.code ?? `uncoded: ${String(error)}`, check: e.check ?? '', message: e.message ?? '' };
  }
  return { code: 'passed', check: '', message: '' };
}

describe('FileRevocationStore', () => {
  it('survives a restart: a second instance sees every revocation', async () => {
    const path = join(dir, 'revocations.jsonl');
    const token = await chainOf('biscuit', 2);
    const opts = { request: { resource: 'db:orders', action: 'read', audience: AUD }, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey };
    const { revocationIds } = await authorize(token, opts);

    const first = await FileRevocationStore.open(path);
    await first.revoke({ kind: 'token', id: revocationIds[1]! }, { reason: 'task cancelled' });
    await first.revoke({ kind: 'agent', did: dids[7]! });
    expect(await codeOf(authorize(token, { ...opts, revocations: first }))).toBe('revoked');
    await first.close();

    const second = await FileRevocationStore.open(path);
    expect(second.size).toBe(2);
    expect(await codeOf(authorize(token, { ...opts, revocations: second }))).toBe('revoked');
    await second.revoke({ kind: 'principal', id: USER });
    await second.close();
    const third = await FileRevocationStore.open(path);
    expect(third.findRevoked({ tokenIds: [], agents: [], principals: [USER] })).toMatchObject({ kind: 'principal', id: USER });
    await third.close();
  });

  it('drops an unacknowledged torn tail and refuses a damaged line', async () => {
    const torn = join(dir, 'torn.jsonl');
    await writeFile(torn, `{"kind":"agent","did":"${dids[3]}","revokedAt":1}\n{"kind":"tok`);
    const store = await FileRevocationStore.open(torn);
    expect(store.size).toBe(1);
    await store.revoke({ kind: 'token', id: base64urlEncode(new Uint8Array(16).fill(7)) });
    await store.close();
    expect((await readFile(torn, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);

    const damaged = join(dir, 'damaged.jsonl');
    await writeFile(damaged, 'not json\n');
    expect(await codeOf(FileRevocationStore.open(damaged))).toBe('malformed_input');
  });

  it('refuses to open on a line that never took effect (a target no chain can match), naming the canonical spelling', async () => {
    const lines = [
      { kind: 'agent', did: `${dids[1]}#${dids[1]!.slice('did:key:'.length)}` },
      { kind: 'agent', did: 'did:web:ACME.example' },
      { kind: 'principal', id: ` ${USER}` },
      { kind: 'token', id: 'ABC' },
    ];
    for (const [i, line] of lines.entries()) {
      const path = join(dir, `stale-${i}.jsonl`);
      await writeFile(path, `${JSON.stringify({ kind: 'agent', did: dids[2], revokedAt: 1 })}\n${JSON.stringify({ ...line, revokedAt: 1 })}\n`);
      const e = await failure(FileRevocationStore.open(path));
      expect(e, JSON.stringify(line)).toMatchObject({ code: 'malformed_input', check: 'revocation_store' });
      expect(e.message).toContain('line 2');
    }
    const path = join(dir, 'stale-agent.jsonl');
    await writeFile(path, `${JSON.stringify({ kind: 'agent', did: 'did:web:ACME.example', revokedAt: 1 })}\n`);
    expect((await failure(FileRevocationStore.open(path))).message).toContain(ORG);
  });

  it('a revocation time that is not epoch milliseconds is refused before anything is written', async () => {
    const path = join(dir, 'at.jsonl');
    const store = await FileRevocationStore.open(path);
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1e20]) {
      expect(await failure(store.revoke({ kind: 'agent', did: dids[1]! }, { at }))).toMatchObject({ code: 'malformed_input', check: 'revoked_at' });
    }
    await store.revoke({ kind: 'agent', did: dids[1]! }, { at: 1_900_000_000_000 });
    await store.close();
    const again = await FileRevocationStore.open(path);
    expect(again.size).toBe(1);
    await again.close();
  });
});

/** did:key of a P-256 key with its point uncompressed: a second spelling of the same key. */
function uncompressedAlias(key: KeyPair): string {
  const point = ECDH.convertKey(Buffer.from(key.publicKey.bytes), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
  return `did:key:${multibaseEncode(Uint8Array.from([0x80, 0x24, ...point]))}`;
}

/** Spellings of a DID that name the same agent but are not the one chains carry. */
function didAliases(did: string): string[] {
  return [`${did}#${did.slice(did.lastIndexOf(':') + 1)}`, `${did}#key-1`, `${did}#`, `${did}?service=x`, `${did}/path`, ` ${did}`, `${did} `, `${did}\n`, `\u00a0${did}`];
}

const p256 = KeyPair.generate('P-256');
const p256Did = didKeyFromPublicKey(p256.publicKey);
const stores: Array<[string, () => Promise<RevocationStore & { size: number; close?: () => Promise<void> }>]> = [
  ['memory', async () => new MemoryRevocationStore()],
  ['file', async () => FileRevocationStore.open(join(dir, `aliases-${files++}.jsonl`))],
];

describe.each(['biscuit', 'macaroon'] as const)('%s: every alias of a target either revokes for real or is refused with a code', (format: TokenFormat) => {
  describe.each(stores)('%s store', (_kind, open) => {
    // Chain: org (did:web) → agent 0 → P-256 agent → agent 2, for a principal named two ways.
    let token: CapabilityToken;
    let ids: string[];
    const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
    const decide = (revocations?: RevocationStore) => codeOf(authorize(token, { request, presenter: dids[2]!, clock, ...trust(format), ...(revocations ? { revocations } : {}) }));

    async function setUp() {
      token ??= await attenuate(await attenuate(await mint(format), { clock, to: p256Did, signer: agents[0]!, trustedRoots: orgKey.publicKey }), { clock, to: dids[2]!, signer: p256, trustedRoots: orgKey.publicKey });
      ids ??= (await authorize(token, { request, presenter: dids[2]!, clock, ...trust(format) })).revocationIds;
    }

    /** Every alias is refused (nothing stored, the token still allowed); the canonical spelling then revokes. */
    async function holds(aliases: Array<Parameters<RevocationStore['revoke']>[0]>, canonical: Parameters<RevocationStore['revoke']>[0], named?: string) {
      await setUp();
      const store = await open();
      try {
        for (const alias of aliases) {
          const e = await failure(store.revoke(alias));
          expect(e, JSON.stringify(alias)).toMatchObject({ code: 'malformed_input', check: 'revocation_target' });
          if (named) expect(e.message, JSON.stringify(alias)).toContain(named);
        }
        expect(store.size).toBe(0);
        expect(await decide(store)).toBe('passed');
        await store.revoke(canonical);
        expect(await decide(store)).toBe('revoked');
      } finally {
        await store.close?.();
      }
    }

    it('an agent (did:key) by fragment, query, path or white space', async () => {
      await holds(didAliases(dids[0]!).map((did) => ({ kind: 'agent' as const, did })), { kind: 'agent', did: dids[0]! }, dids[0]!);
    });

    it('a P-256 agent by its uncompressed did:key, or a fragment', async () => {
      await holds([uncompressedAlias(p256), ...didAliases(p256Did)].map((did) => ({ kind: 'agent' as const, did })), { kind: 'agent', did: p256Did });
    });

    it('the issuer (did:web) by host case, fragment or white space', async () => {
      const aliases = ['did:web:ACME.example', 'did:web:Acme.Example', 'did:web:acme.EXAMPLE#key-1', ...didAliases(ORG)];
      await holds(aliases.map((did) => ({ kind: 'agent' as const, did })), { kind: 'agent', did: ORG }, ORG);
    });

    it('the principal by host case, fragment or white space', async () => {
      const aliases = ['did:web:ACME.example:users:alice', `${USER}#k`, ` ${USER}`, `${USER}\t`, `${USER}\u0000`];
      await holds(aliases.map((id) => ({ kind: 'principal' as const, id })), { kind: 'principal', id: USER });
    });

    it('a hop by its id in another case, encoding, padding or with white space', async () => {
      await setUp();
      const id = ids[1]!;
      const bytes = format === 'biscuit' ? Buffer.from(id, 'hex') : Buffer.from(id, 'base64url');
      const aliases =
        format === 'biscuit'
          ? [id.toUpperCase(), `0x${id}`, ` ${id}`, `${id}\n`, bytes.toString('base64url'), bytes.toString('base64'), id.slice(0, -1)]
          : [`${id}==`, ` ${id}`, `${id} `, bytes.toString('hex'), bytes.toString('base64'), `${id}A`];
      await holds(
        aliases.filter((a) => a !== id).map((alias) => ({ kind: 'token' as const, id: alias })),
        { kind: 'token', id },
      );
    });
  });

  it('a principal with another Unicode spelling: mint refuses the non-canonical one, and so does revoke', async () => {
    const nfc = 'Zoë Müller';
    const nfd = nfc.normalize('NFD');
    for (const onBehalfOf of [nfd, ` ${nfc}`, `${nfc}\u200b `, `a\u0007b`, 'did:web:ACME.example:users:zoe', `${USER}#k`]) {
      expect(await failure(mint(format, { onBehalfOf })), JSON.stringify(onBehalfOf)).toMatchObject({ code: 'malformed_input', check: 'principal' });
    }
    const token = await chainOf(format, 1, { onBehalfOf: nfc });
    const store = new MemoryRevocationStore();
    expect(await failure(store.revoke({ kind: 'principal', id: nfd }))).toMatchObject({ code: 'malformed_input', check: 'revocation_target' });
    await store.revoke({ kind: 'principal', id: nfc });
    expect(await codeOf(authorize(token, { request: { resource: 'db:orders', action: 'read', audience: AUD }, presenter: dids[1]!, clock, ...trust(format), revocations: store }))).toBe('revoked');
  });
});

describe('validRevocationTarget', () => {
  it('returns the target as chains spell it, with nothing else', () => {
    expect(validRevocationTarget({ kind: 'agent', did: dids[0]!, extra: 1 } as never)).toEqual({ kind: 'agent', did: dids[0] });
    expect(validRevocationTarget({ kind: 'principal', id: 'alice' })).toEqual({ kind: 'principal', id: 'alice' });
    const hex = 'ab'.repeat(64);
    expect(isRevocationId('ab'.repeat(16))).toBe(false);
    expect(validRevocationTarget({ kind: 'token', id: hex })).toEqual({ kind: 'token', id: hex });
    expect(isRevocationId(base64urlEncode(new Uint8Array(16).fill(255)))).toBe(true);
    expect(isRevocationId(`${base64urlEncode(new Uint8Array(16).fill(255)).slice(0, -1)}B`)).toBe(false);
  });

  it('refuses DIDs no chain can carry, with a code (a stub DID, an unknown method in capitals)', () => {
    for (const did of ['did:key:z6MkSomeoneElse', 'did:key:a', 'DID:web:acme.example', 'did:Web:acme.example', 'agent-1', '']) {
      expect(() => validRevocationTarget({ kind: 'agent', did }), did).toThrow(expect.objectContaining({ code: 'malformed_input', check: 'revocation_target' }));
    }
  });

  it('a target of the wrong shape is a caller bug (TypeError)', () => {
    for (const target of [null, {}, { kind: 'agent' }, { kind: 'user', id: 'x' }, { kind: 'token', id: 5 }]) {
      expect(() => validRevocationTarget(target as never)).toThrow(TypeError);
    }
  });
});

describe('a store of your own', () => {
  it('is asked with every hop and its issue time, and a store that cannot know refuses authorize with its own code', async () => {
    const token = await chainOf('biscuit', 2);
    const opts = { request: { resource: 'db:orders', action: 'read', audience: AUD }, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey };
    const verified = await authorize(token, opts);
    const asked: RevocationQuery[] = [];
    const recording: RevocationStore = {
      revoke: () => Promise.reject(new Error('not used')),
      findRevoked: (query) => {
        asked.push(query);
        return undefined;
      },
    };
    await authorize(token, { ...opts, revocations: recording });
    expect(asked[0]!.hops).toEqual(verified.chain.map((h) => ({ from: h.from, to: h.to, issuedAt: h.issuedAt })));
    const stale: RevocationStore = {
      revoke: () => Promise.reject(new Error('not used')),
      findRevoked: () => {
        throw new RevocationStaleError('the feed has been silent for 6 s');
      },
    };
    expect(await failure(authorize(token, { ...opts, revocations: stale }))).toMatchObject({ code: 'revocation_stale', check: 'revocation_feed' });
  });
});
