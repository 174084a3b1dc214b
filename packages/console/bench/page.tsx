/**
 * The in-page side of the console benchmark (bundled by bench/run.js for headless Chromium):
 * times drawing a chain with the console's own component against verifying the same chain
 * with `verifyChain`, in this page.
 */
import { publicKeyFromDidKey } from '@agent-id/did';
import { type TokenInspection, inspectToken, verifyChain } from '@agent-id/tokens';
import { render } from 'preact';
import { Chain } from '../src/page/chain.js';

interface Input {
  tokens: string[];
  root: string;
  maxBlocks: number;
  maxTokenChars: number;
  batches: number;
  iterations: number;
}

interface PageRow {
  name: string;
  medianUs: number;
  minUs: number;
  maxUs: number;
  batches: number;
  iterations: number;
}

function row(name: string, perCall: number[], iterations: number): PageRow {
  const s = [...perCall].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { name, medianUs: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, minUs: s[0]!, maxUs: s[s.length - 1]!, batches: s.length, iterations };
}

async function bench(input: Input): Promise<{ rows: PageRow[]; hops: number; drawn: number }> {
  const trustedRoots = publicKeyFromDidKey(input.root);
  const limits = { maxBlocks: input.maxBlocks, maxTokenChars: input.maxTokenChars };
  const views: TokenInspection[] = [];
  for (const t of input.tokens) views.push(await inspectToken(t, { limits }));
  const host = document.createElement('div');
  document.body.append(host);
  const draw = (v: TokenInspection) => {
    render(<Chain onBehalfOf={v.onBehalfOf} issuer={v.issuer} task={v.task} hops={v.chain} verified={true} />, host);
    // Layout included: the chain is on screen only once the browser has laid it out.
    const height = host.offsetHeight;
    render(null, host);
    return height;
  };
  const renderOnly = (v: TokenInspection) => {
    render(<Chain onBehalfOf={v.onBehalfOf} issuer={v.issuer} task={v.task} hops={v.chain} verified={true} />, host);
    render(null, host);
  };
  let next = 0;
  const renderTimes: number[] = [];
  const verifyTimes: number[] = [];
  const drawTimes: number[] = [];
  let drawn = 0;
  // Batch 0 warms up; each token is verified once (a verifier meeting it for the first time).
  for (let b = 0; b <= input.batches; b++) {
    const batch = input.tokens.slice(next, next + input.iterations);
    const batchViews = views.slice(next, next + input.iterations);
    next += input.iterations;
    let start = performance.now();
    for (const t of batch) await verifyChain(t, { trustedRoots, limits });
    const v = ((performance.now() - start) * 1000) / batch.length;
    start = performance.now();
    for (const view of batchViews) drawn = draw(view);
    const d = ((performance.now() - start) * 1000) / batchViews.length;
    start = performance.now();
    for (const view of batchViews) renderOnly(view);
    const r = ((performance.now() - start) * 1000) / batchViews.length;
    if (b > 0) {
      verifyTimes.push(v);
      drawTimes.push(d);
      renderTimes.push(r);
    }
  }
  return {
    rows: [row(`verifyChain, ${views[0]!.chain.length - 1}-hop Biscuit (baseline)`, verifyTimes, input.iterations), row('draw that chain (preact render + layout)', drawTimes, input.iterations), row('  of which preact render alone (no layout)', renderTimes, input.iterations)],
    hops: views[0]!.chain.length - 1,
    drawn,
  };
}

(globalThis as { consoleBench?: typeof bench }).consoleBench = bench;
