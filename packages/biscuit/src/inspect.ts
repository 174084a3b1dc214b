import type { PublicKey } from '@agent-id/core';
import { inspectBiscuit } from './biscuit/inspect.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { formatCaveat, parseCaveat } from './macaroon/caveats.js';
import { importBinary } from './macaroon/codec.js';
import { describeThirdParty } from './macaroon/discharge.js';
import { readMacaroon } from './macaroon/read.js';
import { type ChainRecord, toDelegationHop } from './model.js';
import { type CapabilityToken, toToken } from './token.js';
import type { InspectedBlock, ThirdPartyCaveatInfo, TokenInspection } from './types.js';
import { toArray } from './util.js';

/** Options of {@link inspect}. */
export interface InspectOptions {
  /** Biscuit: a root public key to read the token with (biscuit-wasm parses only verified tokens). */
  rootPublicKey?: PublicKey | readonly PublicKey[];
  limits?: Partial<TokenLimits>;
}

const NOTICE =
  'UNVERIFIED VIEW. Nothing here was authorized: expiry, audience, narrowing, revocation, holder and (for Macaroon) signatures were not checked. Use authorize() to decide.';

function render(format: string, chain: ChainRecord, blocks: InspectedBlock[], thirdParty: ThirdPartyCaveatInfo[], problem?: string): string {
  const lines = [NOTICE, `format: ${format}`, `issuer: ${chain.issuer}`, `on behalf of: ${chain.onBehalfOf}`, `task: ${chain.task}`, 'chain:'];
  chain.hops.forEach((hop, i) => {
    const g = hop.granted;
    lines.push(
      `  ${i}. ${hop.from} -> ${hop.to}`,
      `     resources: ${g.resources.join(', ')}`,
      `     actions: ${g.actions.join(', ')}; audience: ${g.audience.join(', ')}`,
      `     expires: ${new Date(g.expiresAt * 1000).toISOString()}; further hops allowed: ${g.maxDepth}`,
    );
  });
  if (problem) lines.push(`problem: ${problem}`);
  lines.push('blocks:');
  for (const b of blocks) {
    lines.push(`  [${b.index}] ${b.kind} (revocation id ${b.revocationId})`);
    for (const s of b.source) lines.push(`      ${s}`);
  }
  for (const c of thirdParty) lines.push(`third-party caveat at ${c.location} (key ${c.keyId}): ${c.condition}`);
  return lines.join('\n');
}

/**
 * A human-readable, explicitly unverified view of a token: every block or caveat and
 * the delegation chain it states. It decides nothing (`verified: false`).
 *
 * @example
 * ```ts
 * const view = await inspect(token, { rootPublicKey: orgPublicKey });
 * console.log(view.text);
 * ```
 */
export async function inspect(token: CapabilityToken | string, options: InspectOptions = {}): Promise<TokenInspection> {
  const limits = resolveLimits(options.limits);
  const t = toToken(token, limits.maxTokenBytes);
  let chain: ChainRecord;
  let blocks: InspectedBlock[];
  let thirdParty: ThirdPartyCaveatInfo[] = [];
  let problem: string | undefined;
  if (t.format === 'biscuit') {
    const roots = toArray(options.rootPublicKey);
    if (roots.length === 0) throw new TypeError('inspecting a Biscuit needs rootPublicKey (biscuit-wasm cannot parse without it)');
    ({ chain, blocks, problem } = await inspectBiscuit(t, roots, limits));
  } else {
    const read = readMacaroon(importBinary(t.toBytes()), limits);
    chain = read.chain;
    thirdParty = read.thirdParty.map(describeThirdParty);
    blocks = [];
    let current: InspectedBlock | undefined;
    for (const c of read.macaroon.caveats) {
      if (c.vid) {
        current?.source.push(`third-party caveat @ ${c.location ?? ''}`);
        continue;
      }
      const caveat = parseCaveat(c.identifier);
      const index = blocks.length;
      current = { index, kind: index === 0 ? 'authority' : 'hop', revocationId: chain.hops[index]?.revocationId ?? '', source: [formatCaveat(caveat)] };
      blocks.push(current);
    }
  }
  return {
    format: t.format,
    verified: false,
    notice: NOTICE,
    issuer: chain.issuer,
    onBehalfOf: chain.onBehalfOf,
    task: chain.task,
    chain: chain.hops.map(toDelegationHop),
    blocks,
    thirdPartyCaveats: thirdParty,
    text: render(t.format, chain, blocks, thirdParty, problem),
  };
}
