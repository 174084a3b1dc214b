import { KeyPair, base64urlEncode } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { mintCapability } from '@agent-id/tokens';
import { signAgentCard } from '@agent-id/a2a-cards';
import type { Json, RoundTripInput, VectorKey } from './protocol.js';

export const AUDIENCE = 'did:web:files.example';

const secretOf = (pair: KeyPair, type: VectorKey['type']): VectorKey => ({ type, secret: base64urlEncode(pair.exportSecretKey()) });

/** A card of the shape the tests use, for `origin`. */
export function sampleCard(origin: string, name = 'Trip Planner'): { [key: string]: Json } {
  return {
    name,
    description: 'Plans business trips',
    version: '1.2.0',
    supportedInterfaces: [{ url: `${origin}/a2a/v1`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    provider: { organization: 'Acme Corp', url: origin },
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['application/json'],
    skills: [{ id: 'plan', name: 'Plan a trip', description: 'Books flights and hotels', tags: ['travel'] }],
  };
}

export interface RoundTrip {
  input: RoundTripInput;
  /** The root's public key, for Node's own checks. */
  root: KeyPair;
  /** The DID of the card key the runtime signs with. */
  cardKeyDid: string;
}

/**
 * Fresh keys, a Biscuit minted in Node for a holder whose key the runtime gets, a card Node
 * signed with a fresh P-256 key, and a card and key for the runtime to sign with.
 */
export async function makeRoundTrip(): Promise<RoundTrip> {
  const root = KeyPair.generate();
  const holder = KeyPair.generate('P-256');
  const to = didKeyFromPublicKey(KeyPair.generate().publicKey);
  const now = Math.floor(Date.now() / 1000);
  const token = await mintCapability(
    {
      resources: ['files:/reports/*', 'db:orders'],
      actions: ['read', 'write'],
      audience: [AUDIENCE],
      expiresAt: now + 3600,
      maxDepth: 3,
      holder: didKeyFromPublicKey(holder.publicKey),
      onBehalfOf: 'did:web:acme.example:users:alice',
      task: 'runtimes',
    },
    { format: 'biscuit', rootKey: root, issuer: 'did:web:acme.example' },
  );
  const nodeCardKey = KeyPair.generate('P-256');
  const nodeCardDid = didKeyFromPublicKey(nodeCardKey.publicKey);
  const card = (await signAgentCard(sampleCard('https://acme.example'), { keyId: `${nodeCardDid}#${nodeCardDid.slice(8)}`, keyPair: nodeCardKey })) as unknown as Json;
  const cardKey = KeyPair.generate();
  const cardKeyDid = didKeyFromPublicKey(cardKey.publicKey);
  return {
    root,
    cardKeyDid,
    input: {
      token: token.serialize(),
      root: didKeyFromPublicKey(root.publicKey),
      holder: secretOf(holder, 'P-256'),
      to,
      narrowing: { resources: ['files:/reports/q3/*'], actions: ['read'] },
      request: { resource: 'files:/reports/q3/a.pdf', action: 'read', audience: AUDIENCE, task: 'runtimes' },
      card,
      cardSigner: nodeCardDid,
      cardHosts: ['acme.example'],
      unsignedCard: sampleCard('https://globex.example', 'Expense Checker'),
      cardKey: { ...secretOf(cardKey, 'Ed25519'), keyId: `${cardKeyDid}#${cardKeyDid.slice(8)}` },
    },
  };
}
