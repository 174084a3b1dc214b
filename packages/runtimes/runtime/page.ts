/**
 * Entry for the browser page (headless Chromium): puts the checks and the in-page benchmark
 * on `globalThis.agentIdRuntime`, for the Node side to call with `page.evaluate`.
 */
import { ed25519PublicKeyFromSecretAsync, publicKeyFromSecret } from '@agent-id/core/internal';
import { publicKeyFromDidKey } from '@agent-id/did';
import { authorize } from '@agent-id/tokens';
import { runChecks } from './checks.js';
import type { TokenRequest } from '../src/protocol.js';

/** One benchmark row, as `@agent-id/test-support/bench` prints it. */
export interface PageRow {
  name: string;
  medianUs: number;
  minUs: number;
  maxUs: number;
  batches: number;
  iterations: number;
}

export interface PageBenchInput {
  /** Tokens of one shape, each used once (a verifier meeting a token for the first time): at least 1 + iterations + warmup + batches × iterations. */
  tokens: string[];
  root: string;
  presenter: string;
  request: TokenRequest;
  hops: number;
  /** Signatures the token's verification checks: the baseline does as many WebCrypto Ed25519 verifies. */
  signatures: number;
  batches: number;
  iterations: number;
  /**
   * Calls of each subject before timing (default: `iterations`), so the page's JIT has
   * compiled what a verifier runs again and again; the first `iterations` calls of the page
   * are timed apart (`cold`).
   */
  warmup?: number;
}

/** `PageRow` of per-call times (µs), one per batch. */
function row(name: string, perCall: number[], iterations: number): PageRow {
  const sorted = [...perCall].sort((x, y) => x - y);
  return { name, medianUs: median(sorted), minUs: sorted[0]!, maxUs: sorted[sorted.length - 1]!, batches: perCall.length, iterations };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** µs per call of `iterations` awaited calls of `fn`. */
async function batch(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return ((performance.now() - start) * 1000) / iterations;
}

/**
 * Times `authorize` of tokens never seen before, and of one token again and again (its
 * chain then found in the library's chain cache), against `input.signatures`
 * awaited WebCrypto Ed25519 verifies of a message of a token's size, in this page. Every
 * token must be allowed: the first one's result is returned for the caller to check.
 */
async function benchVerify(input: PageBenchInput): Promise<{ result: unknown; rows: PageRow[]; pairedRatios: number[]; totalRatios: number[]; cold: { baselineUs: number; freshUs: number } }> {
  const trustedRoots = publicKeyFromDidKey(input.root);
  const run = (token: string) => authorize(token, { request: input.request, presenter: input.presenter, trustedRoots });
  const warmup = input.warmup ?? input.iterations;
  const [first, ...fresh] = input.tokens;
  if (first === undefined || fresh.length < input.iterations + warmup + input.batches * input.iterations) throw new Error('not enough tokens');
  const { record: _record, ...result } = await run(first);
  let next = 0;
  const runFresh = () => run(fresh[next++]!);
  type Key = Parameters<typeof crypto.subtle.verify>[1];
  const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as { privateKey: Key; publicKey: Key };
  const message = new TextEncoder().encode(first);
  const signature = await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, message);
  const webCrypto = async () => {
    for (let i = 0; i < input.signatures; i++) {
      if (!(await crypto.subtle.verify({ name: 'Ed25519' }, keys.publicKey, signature, message))) throw new Error('baseline signature does not verify');
    }
  };
  const baseline = `WebCrypto: ${input.signatures} Ed25519 verifies, awaited one by one`;
  const subjects = [
    { name: baseline, fn: webCrypto },
    { name: `authorize, ${input.hops}-hop Biscuit (${input.signatures} signatures), a new token each call`, fn: runFresh },
    { name: `authorize, the same ${input.hops}-hop Biscuit again (chain cache)`, fn: () => run(first) },
  ];
  // The method of @agent-id/test-support/bench (warm-up, batches, median), with the batches
  // of the baseline and of each subject taken in turn, so that a busy machine slows all alike;
  // `pairedRatios` are the medians of the per-batch ratios to the baseline batch just before;
  // `totalRatios`, each subject's time over all its batches to the baseline's: what a page
  // spends, pauses of the garbage collector included, which a median passes over.
  // The page's first calls (new tokens), before any warm-up, against as many verifies.
  const cold = { baselineUs: await batch(webCrypto, input.iterations), freshUs: await batch(runFresh, input.iterations) };
  for (const s of subjects) await batch(s.fn, warmup);
  const times: number[][] = subjects.map(() => []);
  for (let b = 0; b < input.batches; b++) for (const [i, s] of subjects.entries()) times[i]!.push(await batch(s.fn, input.iterations));
  const rows = subjects.map((s, i) => row(s.name, times[i]!, input.iterations));
  const pairedRatios = times.map((t) => median(t.map((us, b) => us / times[0]![b]!)));
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const totalRatios = times.map((t) => sum(t) / sum(times[0]!));
  return { result, rows, pairedRatios, totalRatios, cold };
}

/** `authorize` of each of `input.tokens` once, awaited one by one (what `bench/run.js --profile` samples). */
async function authorizeEach(input: PageBenchInput): Promise<number> {
  const trustedRoots = publicKeyFromDidKey(input.root);
  for (const token of input.tokens) await authorize(token, { request: input.request, presenter: input.presenter, trustedRoots });
  return input.tokens.length;
}

/** One WebCrypto call of {@link timeline}: what, when it was posted and when its promise settled on this thread (µs from the call's start). */
export interface TimelineEvent {
  op: string;
  postedUs: number;
  settledUs: number;
}

/**
 * `authorize` of each token once, with every `crypto.subtle` call it makes timed (posted,
 * settled, as this thread sees it), and the baseline's 11 awaited verifies timed the same
 * way: what `bench/run.js --timeline` prints, to see where the page waits.
 */
async function timeline(input: PageBenchInput): Promise<{ calls: { totalUs: number; events: TimelineEvent[] }[]; baseline: { totalUs: number; events: TimelineEvent[] }; parts: Record<string, number> }> {
  const trustedRoots = publicKeyFromDidKey(input.root);
  const subtle = crypto.subtle as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  let start = 0;
  let events: TimelineEvent[] = [];
  for (const op of ['importKey', 'exportKey', 'verify', 'sign']) {
    const fn = subtle[op]!;
    original.set(op, fn);
    subtle[op] = function (this: unknown, ...args: unknown[]) {
      const event = { op: op === 'importKey' ? `importKey(${String(args[0])})` : op, postedUs: (performance.now() - start) * 1000, settledUs: Number.NaN };
      events.push(event);
      const settled = () => {
        event.settledUs = (performance.now() - start) * 1000;
      };
      const promise = fn.apply(crypto.subtle, args);
      promise.then(settled, settled);
      return promise;
    };
  }
  try {
    const calls = [];
    for (const token of input.tokens.slice(0, input.tokens.length >> 1)) {
      events = [];
      start = performance.now();
      await authorize(token, { request: input.request, presenter: input.presenter, trustedRoots });
      calls.push({ totalUs: (performance.now() - start) * 1000, events });
    }
    type Key = Parameters<typeof crypto.subtle.verify>[1];
    const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as { privateKey: Key; publicKey: Key };
    const message = new TextEncoder().encode(input.tokens[0]);
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, message);
    let baseline = { totalUs: 0, events: [] as TimelineEvent[] };
    for (let round = 0; round < 5; round++) {
      events = [];
      start = performance.now();
      for (let i = 0; i < input.signatures; i++) await crypto.subtle.verify({ name: 'Ed25519' }, keys.publicKey, signature, message);
      baseline = { totalUs: (performance.now() - start) * 1000, events };
    }
    for (const [op, fn] of original) subtle[op] = fn;
    // This page's clock ticks by 100 µs (not cross-origin isolated): what takes less is
    // timed over many calls, in means, below.
    // What WebCrypto alone costs of a token's verification, every operation posted at once:
    // its verifies, and with them the imports of 5 new keys and the proof key's derivation.
    const rawKeys = await Promise.all(
      Array.from({ length: 64 }, async () => {
        const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as { privateKey: Key; publicKey: Key };
        return {
          raw: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
          pkcs8: new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey)),
        };
      }),
    );
    const timed = async (fn: (round: number) => Promise<unknown>) => {
      const times: number[] = [];
      for (let round = 0; round < 40; round++) {
        const t0 = performance.now();
        await fn(round);
        times.push((performance.now() - t0) * 1000);
      }
      return median(times.slice(10));
    };
    const verify = () => crypto.subtle.verify({ name: 'Ed25519' }, keys.publicKey, signature, message);
    // The page's own cost of posting a verify, 100 at a time (synchronous calls, no await between them).
    const postTimes: number[] = [];
    for (let round = 0; round < 40; round++) {
      const t0 = performance.now();
      const posted = Array.from({ length: 100 }, verify);
      postTimes.push(((performance.now() - t0) * 1000) / 100);
      await Promise.all(posted);
    }
    // Posting one verify while WebCrypto is idle (the mean of 200).
    let lonePostUs = 0;
    for (let round = 0; round < 200; round++) {
      const t0 = performance.now();
      const posted = verify();
      lonePostUs += ((performance.now() - t0) * 1000) / 200;
      await posted;
    }
    // Whether WebCrypto's work runs beside this thread's: 11 verifies posted, then 1 ms of
    // JavaScript, then awaited; against each alone.
    const spin = () => {
      const t0 = performance.now();
      let x = 0;
      while (performance.now() - t0 < 1) x++;
      return x;
    };
    // A token's proof check derives the public key of a secret: with WebCrypto (a PKCS#8
    // import, then a JWK export) or in JavaScript (@noble/curves).
    const secrets = Array.from({ length: 40 }, () => crypto.getRandomValues(new Uint8Array(32)));
    publicKeyFromSecret('Ed25519', secrets[0]!);
    const parts = {
      deriveWebCryptoUs: await timed((round) => ed25519PublicKeyFromSecretAsync(secrets[round]!)),
      deriveNobleUs: await timed(async (round) => publicKeyFromSecret('Ed25519', secrets[round]!)),
      lonePostVerifyUs: lonePostUs,
      spinUs: await timed(async () => spin()),
      elevenThenSpinUs: await timed(async () => {
        const posted = Array.from({ length: input.signatures }, verify);
        spin();
        await Promise.all(posted);
      }),
      postOneVerifyUs: median(postTimes.slice(10)),
      baselineUs: await timed(async () => {
        for (let i = 0; i < input.signatures; i++) await verify();
      }),
      allAtOnceUs: await timed(() => Promise.all(Array.from({ length: input.signatures }, verify))),
      withImportsUs: await timed((round) =>
        Promise.all([
          ...Array.from({ length: input.signatures - input.hops }, verify),
          ...Array.from({ length: input.hops }, (_, i) =>
            crypto.subtle.importKey('raw', rawKeys[(round * 5 + i) % 64]!.raw, { name: 'Ed25519' }, false, ['verify']).then(() => verify()),
          ),
          crypto.subtle.importKey('pkcs8', rawKeys[round % 64]!.pkcs8, { name: 'Ed25519' }, true, ['sign']).then((k) => crypto.subtle.exportKey('jwk', k as Key)),
        ]),
      ),
    };
    // The JavaScript alone: `authorize` of new tokens with every verify and raw import
    // answered at once without WebCrypto (the proof key still derived by it).
    const fake = new Map<string, (...args: unknown[]) => Promise<unknown>>([
      ['verify', () => Promise.resolve(true)],
      ['importKey', (format, ...rest) => (format === 'raw' ? Promise.resolve({ type: 'public' }) : original.get('importKey')!.call(crypto.subtle, format, ...rest))],
    ]);
    for (const [op, fn] of fake) subtle[op] = fn;
    const jsTimes: number[] = [];
    for (const token of input.tokens.slice(input.tokens.length >> 1)) {
      const t0 = performance.now();
      await authorize(token, { request: input.request, presenter: input.presenter, trustedRoots });
      jsTimes.push((performance.now() - t0) * 1000);
    }
    return { calls, baseline, parts: { ...parts, jsOnlyUs: median(jsTimes) } };
  } finally {
    for (const [op, fn] of original) subtle[op] = fn;
  }
}

(globalThis as { agentIdRuntime?: unknown }).agentIdRuntime = { runChecks, benchVerify, authorizeEach, timeline };
