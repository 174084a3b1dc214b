/**
 * Entry for the browser page (headless Chromium): puts the checks and the in-page benchmark
 * on `globalThis.agentIdRuntime`, for the Node side to call with `page.evaluate`.
 */
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
  /** Tokens of one shape, each used once (a verifier meeting a token for the first time): at least (batches + 1) × iterations. */
  tokens: string[];
  root: string;
  presenter: string;
  request: TokenRequest;
  hops: number;
  /** Signatures the token's verification checks: the baseline does as many WebCrypto Ed25519 verifies. */
  signatures: number;
  batches: number;
  iterations: number;
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
 * signatures then found in the library's signature cache), against `input.signatures`
 * awaited WebCrypto Ed25519 verifies of a message of a token's size, in this page. Every
 * token must be allowed: the first one's result is returned for the caller to check.
 */
async function benchVerify(input: PageBenchInput): Promise<{ result: unknown; rows: PageRow[]; pairedRatios: number[] }> {
  const trustedRoots = publicKeyFromDidKey(input.root);
  const run = (token: string) => authorize(token, { request: input.request, presenter: input.presenter, trustedRoots });
  const [first, ...fresh] = input.tokens;
  if (first === undefined || fresh.length < (input.batches + 1) * input.iterations) throw new Error('not enough tokens');
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
    { name: `authorize, the same ${input.hops}-hop Biscuit again (signature cache)`, fn: () => run(first) },
  ];
  // The method of @agent-id/test-support/bench (warm-up, batches, median), with the batches
  // of the baseline and of each subject taken in turn, so that a busy machine slows all alike;
  // `pairedRatios` are the medians of the per-batch ratios to the baseline batch just before.
  for (const s of subjects) await batch(s.fn, input.iterations);
  const times: number[][] = subjects.map(() => []);
  for (let b = 0; b < input.batches; b++) for (const [i, s] of subjects.entries()) times[i]!.push(await batch(s.fn, input.iterations));
  const rows = subjects.map((s, i) => row(s.name, times[i]!, input.iterations));
  const pairedRatios = times.map((t) => median(t.map((us, b) => us / times[0]![b]!)));
  return { result, rows, pairedRatios };
}

/** `authorize` of each of `input.tokens` once, awaited one by one (what `bench/run.js --profile` samples). */
async function authorizeEach(input: PageBenchInput): Promise<number> {
  const trustedRoots = publicKeyFromDidKey(input.root);
  for (const token of input.tokens) await authorize(token, { request: input.request, presenter: input.presenter, trustedRoots });
  return input.tokens.length;
}

(globalThis as { agentIdRuntime?: unknown }).agentIdRuntime = { runChecks, benchVerify, authorizeEach };
