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

/** The method of `@agent-id/test-support/bench` `measureAsync`, timed with `performance.now()`. */
async function measure(name: string, fn: () => Promise<unknown>, batches: number, iterations: number): Promise<PageRow> {
  for (let i = 0; i < iterations; i++) await fn();
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    perCall.push(((performance.now() - start) * 1000) / iterations);
  }
  perCall.sort((a, b) => a - b);
  return { name, medianUs: perCall[perCall.length >> 1]!, minUs: perCall[0]!, maxUs: perCall[perCall.length - 1]!, batches, iterations };
}

/**
 * Times `authorize` of tokens never seen before, and of one token again and again (its
 * signatures then found in the library's signature cache), against `input.signatures`
 * awaited WebCrypto Ed25519 verifies of a message of a token's size, in this page. Every
 * token must be allowed: the first one's result is returned for the caller to check.
 */
async function benchVerify(input: PageBenchInput): Promise<{ result: unknown; rows: PageRow[] }> {
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
  const rows = [
    await measure(baseline, webCrypto, input.batches, input.iterations),
    await measure(`authorize, ${input.hops}-hop Biscuit (${input.signatures} signatures), a new token each call`, runFresh, input.batches, input.iterations),
    await measure(`authorize, the same ${input.hops}-hop Biscuit again (signature cache)`, () => run(first), input.batches, input.iterations),
  ];
  return { result, rows };
}

(globalThis as { agentIdRuntime?: unknown }).agentIdRuntime = { runChecks, benchVerify };
