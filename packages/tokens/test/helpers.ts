import { type Capability, KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { type CapabilityToken, type TokenFormat, attenuate, mintCapability } from '../src/index.js';

export const NOW = 1_900_000_000;
export const clock = () => NOW * 1000;
/** The issue time of a hop made at `clock`, as Biscuit templates take it. */
export const issuedAtParam = { date: new Date(NOW * 1000).toISOString() };
export const AUD = 'did:web:files.example';
export const ORG = 'did:web:acme.example';
export const USER = 'did:web:acme.example:users:alice';

export const orgKey = KeyPair.generate();
export const rootSecret = { id: 'acme-2026', secret: new Uint8Array(32).fill(42) };
export const agents = Array.from({ length: 8 }, () => KeyPair.generate());
export const dids = agents.map((a) => didKeyFromPublicKey(a.publicKey));

export function capability(overrides: Partial<Capability> = {}): Capability {
  return {
    resources: ['files:/reports/*', 'db:orders'],
    actions: ['read', 'write'],
    audience: [AUD],
    expiresAt: NOW + 3600,
    maxDepth: 4,
    holder: dids[0]!,
    onBehalfOf: USER,
    task: 'task-q3',
    ...overrides,
  };
}

export function mint(format: TokenFormat, overrides: Partial<Capability> = {}): Promise<CapabilityToken> {
  return format === 'biscuit'
    ? mintCapability(capability(overrides), { format, rootKey: orgKey, issuer: ORG, clock })
    : mintCapability(capability(overrides), { format, rootSecret, issuer: ORG, clock });
}

export async function chainOf(format: TokenFormat, hops: number, overrides: Partial<Capability> = {}): Promise<CapabilityToken> {
  let token = await mint(format, overrides);
  for (let i = 1; i <= hops; i++) token = await attenuate(token, { to: dids[i]!, signer: agents[i - 1]!, trustedRoots: orgKey.publicKey, clock });
  return token;
}

export function trust(format: TokenFormat) {
  return format === 'biscuit' ? { trustedRoots: orgKey.publicKey } : { rootSecrets: rootSecret };
}

/** The `code` and `check` a promise is refused with, or `passed`. */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; check: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; check?: string };
    return { code: e.code ?? `uncoded: ${String(error)}`, check: e.check ?? '' };
  }
  return { code: 'passed', check: '' };
}

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? `uncoded: ${String(error)}`;
  }
  return 'passed';
}
