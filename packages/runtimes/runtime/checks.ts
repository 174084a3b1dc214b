/**
 * The checks every runtime runs, bundled for each (see `src/bundle.ts`). They use only the
 * libraries' public entries and standard globals, and answer plain JSON; whether an answer
 * is right is decided on the Node side (`src/expected.ts`), the same way for every runtime.
 */
import {
  KeyPair,
  PublicKey,
  base64urlDecode,
  base64urlEncode,
  canonicalize,
  parseCompactJws,
  signCompactJws,
  verifyJwsSignature,
  verifyJwsSignatureAsync,
} from '@agent-id/core';
import { PLATFORM } from '@agent-id/core/internal';
import { createDidResolver, didKeyFromPublicKey, publicKeyFromDidKey } from '@agent-id/did';
import { attenuate, authorize } from '@agent-id/tokens';
import { signAgentCard, verifyAgentCard } from '@agent-id/a2a-cards';
import type { Answer, CheckRequest, CheckResult, Json, VectorKey } from '../src/protocol.js';

const toJson = (value: unknown): Json => (value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json));

/** Runs `fn`; a coded refusal becomes `{ error: { code, check } }`, anything else a `crash` with its message. */
export async function answer(fn: () => unknown): Promise<Answer> {
  try {
    return { value: toJson(await fn()) };
  } catch (e) {
    const coded = e as { code?: unknown; check?: unknown };
    if (typeof coded?.code === 'string' && e instanceof Error) {
      return { error: { code: coded.code, ...(typeof coded.check === 'string' ? { check: coded.check } : {}) } };
    }
    return { error: { code: 'crash', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } };
  }
}

export const keyPairOf = (key: VectorKey): KeyPair => KeyPair.fromSecretKey(key.type, base64urlDecode(key.secret));

/** A clock fixed at `seconds`. */
const at = (seconds: number) => () => seconds * 1000;

const resolver = createDidResolver();
const card = (value: Json) => value as Parameters<typeof verifyAgentCard>[0];

/** Names the runtime as it names itself. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string }; navigator?: { userAgent?: string }; process?: { versions?: { node?: string }; version?: string } };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  // workerd has a `process` too (with Node's version), and browsers a user agent.
  const agent = g.navigator?.userAgent;
  if (agent === 'Cloudflare-Workers' || agent?.includes('Chrome/')) return agent;
  if (g.process?.versions?.node) return `Node ${g.process.version}`;
  return g.navigator?.userAgent ?? 'unknown';
}

export async function runChecks(request: CheckRequest): Promise<CheckResult> {
  const { vectors, roundTrip: rt } = request;
  const answers: CheckResult['answers'] = {};

  for (const v of vectors.jws) {
    answers[`jws:${v.name}:verify`] = await answer(async () => {
      await verifyJwsSignature(parseCompactJws(v.jws), PublicKey.fromJwk(v.jwk));
      return true;
    });
    const [h, p, s] = v.jws.split('.') as [string, string, string];
    const tampered = `${h}.${base64urlEncode(new TextEncoder().encode(`${new TextDecoder().decode(base64urlDecode(p))}!`))}.${s}`;
    answers[`jws:${v.name}:tampered`] = await answer(async () => {
      await verifyJwsSignature(parseCompactJws(tampered), PublicKey.fromJwk(v.jwk));
      return true;
    });
    // The same again on the asynchronous path (WebCrypto off Node, where the synchronous one falls back to @noble/curves).
    answers[`jws:${v.name}:verify-async`] = await answer(async () => {
      await verifyJwsSignatureAsync(parseCompactJws(v.jws), PublicKey.fromJwk(v.jwk));
      return true;
    });
    answers[`jws:${v.name}:tampered-async`] = await answer(async () => {
      await verifyJwsSignatureAsync(parseCompactJws(tampered), PublicKey.fromJwk(v.jwk));
      return true;
    });
    const signWith = v.signWith;
    if (signWith) {
      const { alg: _alg, ...header } = JSON.parse(new TextDecoder().decode(base64urlDecode(h))) as { alg: string };
      answers[`jws:${v.name}:sign`] = await answer(() => signCompactJws(header, base64urlDecode(p), keyPairOf(signWith)));
      answers[`jws:${v.name}:sign-async`] = await answer(async () => {
        const signature = await keyPairOf(signWith).signAsync(new TextEncoder().encode(`${h}.${p}`));
        return `${h}.${p}.${base64urlEncode(signature)}`;
      });
    }
  }

  for (const v of vectors.jcs) answers[`jcs:${v.name}`] = await answer(() => canonicalize(JSON.parse(v.input)));

  for (const v of vectors.didKey) answers[`did-key:${v.did}`] = await answer(() => publicKeyFromDidKey(v.did).toJwk());

  for (const v of vectors.biscuit) {
    const trustedRoots = publicKeyFromDidKey(v.root);
    answers[`biscuit:${v.name}:allow`] = await answer(async () => {
      const { record: _record, ...result } = await authorize(v.token, { request: v.request, presenter: v.presenter, trustedRoots, clock: at(v.now) });
      return result;
    });
    for (const t of v.tampered) {
      answers[`biscuit:${v.name}:tampered:${t.why}`] = await answer(() => authorize(t.token, { request: v.request, presenter: v.presenter, trustedRoots, clock: at(v.now) }));
    }
    for (const d of v.denied) {
      answers[`biscuit:${v.name}:deny:${d.why}`] = await answer(() => authorize(v.token, { request: d.request, presenter: d.presenter ?? v.presenter, trustedRoots, clock: at(d.at ?? v.now) }));
    }
  }

  for (const v of vectors.cards) {
    const policy = { signers: [{ did: v.signer, hosts: v.hosts }] };
    answers[`card:${v.name}:verify`] = await answer(async () => (await verifyAgentCard(card(v.card), resolver, policy)).signers);
    const tampered = { ...(v.card as { [key: string]: Json }), version: 'tampered' };
    answers[`card:${v.name}:tampered`] = await answer(() => verifyAgentCard(card(tampered), resolver, policy));
    const signWith = v.signWith;
    if (signWith) {
      const { signatures: _signatures, ...unsigned } = v.card as { [key: string]: Json };
      answers[`card:${v.name}:sign`] = await answer(() => signAgentCard(unsigned, { keyId: signWith.keyId, keyPair: keyPairOf(signWith) }));
    }
  }

  const trustedRoots = publicKeyFromDidKey(rt.root);
  const holder = keyPairOf(rt.holder);
  const holderDid = didKeyFromPublicKey(holder.publicKey);
  return {
    runtime: runtimeName(),
    platform: PLATFORM,
    answers,
    roundTrip: {
      authorized: await answer(async () => {
        const { record: _record, ...result } = await authorize(rt.token, { request: rt.request, presenter: holderDid, trustedRoots });
        return result;
      }),
      attenuated: await answer(async () => (await attenuate(rt.token, { to: rt.to, signer: holder, trustedRoots, narrowing: rt.narrowing })).serialize()),
      cardSigners: await answer(async () => (await verifyAgentCard(card(rt.card), resolver, { signers: [{ did: rt.cardSigner, hosts: rt.cardHosts }] })).signers),
      signedCard: await answer(() => signAgentCard(rt.unsignedCard, { keyId: rt.cardKey.keyId, keyPair: keyPairOf(rt.cardKey) })),
    },
  };
}
