import type { DelegationHop } from '@agent-id/core';
import { bytesToUtf8 } from '@agent-id/core/internal';
import { inspectBiscuit } from './biscuit/inspect.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { formatCaveat, parseCaveat } from './macaroon/caveats.js';
import { importBinary } from './macaroon/codec.js';
import { type ThirdPartyCaveatInfo, describeThirdParty } from './macaroon/discharge.js';
import { timeBefore } from './macaroon/plain-caveats.js';
import { readMacaroon } from './macaroon/read.js';
import { type ChainRecord, type InspectedBlock, toDelegationHop } from './model.js';

export type { InspectedBlock };
import { type CapabilityToken, type TokenFormat, toToken } from './token.js';
import { type TrustedRoots, publicKeysOf } from './roots.js';

/** The unverified view {@link inspectToken} returns. */
export interface TokenInspection {
  format: TokenFormat;
  /** Always false: inspection decides nothing. */
  verified: false;
  notice: string;
  issuer: string;
  onBehalfOf: string;
  task: string;
  /** The chain as the token states it. */
  chain: DelegationHop[];
  /** Each hop's revocation id, parallel to `chain` (Biscuit blocks of checks are not hops: index `blocks` by block, this by hop). */
  revocationIds: string[];
  blocks: InspectedBlock[];
  /** Macaroon: third-party caveats awaiting discharge. */
  thirdPartyCaveats: ThirdPartyCaveatInfo[];
  /** Human-readable text of all of the above. */
  text: string;
}

/** Options of {@link inspectToken}. */
export interface InspectOptions {
  /**
   * Biscuit: root public keys to read the token with. With them biscuit-wasm checks the
   * signatures and prints each block's Datalog; without, the chain is read natively and no
   * Datalog is shown. Either way the view is unverified.
   */
  trustedRoots?: TrustedRoots;
  limits?: Partial<TokenLimits>;
}

const NOTICE =
  'UNVERIFIED VIEW. Nothing here was authorized: expiry, audience, narrowing, revocation, holder and (for Macaroon) signatures were not checked. Use authorize() to decide.';

// Token text may come from an unsigned macaroon: control characters (newlines, terminal
// escapes) are shown escaped so a token cannot forge lines in the view.
function shown(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function render(format: string, chain: ChainRecord, blocks: InspectedBlock[], thirdParty: ThirdPartyCaveatInfo[], problem?: string): string {
  const lines = [NOTICE, `format: ${format}`, `issuer: ${shown(chain.issuer)}`, `on behalf of: ${shown(chain.onBehalfOf)}`, `task: ${shown(chain.task)}`, 'chain:'];
  chain.hops.forEach((hop, i) => {
    const g = hop.granted;
    lines.push(
      `  ${i}. ${shown(hop.from)} -> ${shown(hop.to)}`,
      `     resources: ${shown(g.resources.join(', '))}`,
      `     actions: ${shown(g.actions.join(', '))}; audience: ${shown(g.audience.join(', '))}`,
      `     issued: ${new Date(hop.issuedAt * 1000).toISOString()}; expires: ${new Date(g.expiresAt * 1000).toISOString()}; further hops allowed: ${g.maxDepth}`,
    );
  });
  if (problem) lines.push(`problem: ${shown(problem)}`);
  lines.push('blocks:');
  for (const b of blocks) {
    const biscuitId = b.blockRevocationId && b.blockRevocationId !== b.revocationId ? `; Biscuit block id ${b.blockRevocationId}` : '';
    lines.push(`  [${b.index}] ${b.kind} (revocation id ${b.revocationId}${biscuitId})`);
    for (const s of b.source) lines.push(`      ${shown(s)}`);
  }
  for (const c of thirdParty) lines.push(`third-party caveat at ${shown(c.location)} (key ${shown(c.keyId)}): ${shown(c.condition)}`);
  return lines.join('\n');
}

/**
 * A human-readable, explicitly unverified view of a token: every block or caveat and
 * the delegation chain it states. It decides nothing (`verified: false`).
 *
 * @example
 * ```ts
 * const view = await inspectToken(token, { trustedRoots: orgPublicKey });
 * console.log(view.text);
 * ```
 */
export async function inspectToken(token: CapabilityToken | string, options: InspectOptions = {}): Promise<TokenInspection> {
  const limits = resolveLimits(options.limits);
  const t = toToken(token, limits.maxTokenChars);
  let chain: ChainRecord;
  let blocks: InspectedBlock[];
  let thirdParty: ThirdPartyCaveatInfo[] = [];
  let problem: string | undefined;
  if (t.format === 'biscuit') {
    ({ chain, blocks, problem } = await inspectBiscuit(t, publicKeysOf(options.trustedRoots), limits));
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
      const text = bytesToUtf8(c.identifier, 'caveat');
      const caveat = timeBefore(text) === undefined ? parseCaveat(c.identifier) : undefined;
      if (!caveat || caveat.name === 'expires_at') {
        // A holder's first-party caveat (readMacaroon placed it): shown with the hop before it.
        current?.source.push(text);
        continue;
      }
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
    revocationIds: chain.hops.map((h) => h.revocationId),
    blocks,
    thirdPartyCaveats: thirdParty,
    text: render(t.format, chain, blocks, thirdParty, problem),
  };
}
