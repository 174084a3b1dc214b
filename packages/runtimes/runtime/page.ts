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
  token: string;
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
  for (let i = 0; i < Math.max(20, iterations); i++) await fn();
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
 * Times `authorize` of `input.token` against `input.signatures` awaited WebCrypto Ed25519
 * verifies of a message of the token's size, in this page. Refuses to time a token that
 * is not allowed (its result is returned for the caller to check).
 */
async function benchVerify(input: PageBenchInput): Promise<{ result: unknown; rows: PageRow[] }> {
  const trustedRoots = publicKeyFromDidKey(input.root);
  const run = () => authorize(input.token, { request: input.request, presenter: input.presenter, trustedRoots });
  const { record: _record, ...result } = await run();
  type Key = Parameters<typeof crypto.subtle.verify>[1];
  const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as { privateKey: Key; publicKey: Key };
  const message = new TextEncoder().encode(input.token);
  const signature = await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, message);
  const webCrypto = async () => {
    for (let i = 0; i < input.signatures; i++) {
      if (!(await crypto.subtle.verify({ name: 'Ed25519' }, keys.publicKey, signature, message))) throw new Error('baseline signature does not verify');
    }
  };
  const baseline = `baseline: ${input.signatures} WebCrypto Ed25519 verifies`;
  const rows = [
    await measure(baseline, webCrypto, input.batches, input.iterations),
    await measure(`authorize, ${input.hops}-hop Biscuit (${input.signatures} signatures)`, run, input.batches, input.iterations),
  ];
  return { result, rows };
}

(globalThis as { agentIdRuntime?: unknown }).agentIdRuntime = { runChecks, benchVerify };
