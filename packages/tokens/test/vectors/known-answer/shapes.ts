import { createHash } from 'node:crypto';
import { type Capability, KeyPair, type KeyType, type Scope } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import type { TokenFormat } from '../../../src/index.js';

/*
 * The shapes of token this package writes, frozen as known-answer vectors
 * (`vectors.json`): the inputs each was made from, and the requests it must be allowed
 * and refused. Shared by the generator (`regenerate.ts`) and the test
 * (`../../known-answer.test.ts`). Keys are derived from fixed labels: test keys only.
 */

/** The fixed time the vectors are decided at (2030-03-17T17:46:40Z). */
export const NOW = 1_900_000_000;

/**
 * When hop `index` of every vector was made (seconds): the authority five minutes before
 * `NOW`, each hop a minute after the one before, so the vectors pin distinct issue times.
 */
export function issuedAtOf(index: number): number {
  return NOW - 300 + 60 * index;
}
export const ISSUER = 'did:web:acme.example';
export const USER = 'did:web:acme.example:users:alice';
export const AUDIENCE = 'did:web:files.example';
export const TASK = 'task-q3';

/** A 32-byte test secret derived from a label. */
export function testSecret(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`agent-id known-answer test key: ${label}`).digest());
}

export interface TestKey {
  label: string;
  type: KeyType;
  /** The raw secret key (hex): test keys only, never a real one. */
  secretKey: string;
  did: string;
}

export function testKey(label: string, type: KeyType = 'Ed25519'): { key: TestKey; pair: KeyPair } {
  const secret = testSecret(label);
  const pair = KeyPair.fromSecretKey(type, secret);
  return { key: { label, type, secretKey: Buffer.from(secret).toString('hex'), did: didKeyFromPublicKey(pair.publicKey) }, pair };
}

/** The agents that hold and hand on the tokens, by name. */
export const AGENT_NAMES = ['orchestrator', 'researcher', 'analyst', 'writer', 'p256-agent'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];
export const agentType = (name: AgentName): KeyType => (name === 'p256-agent' ? 'P-256' : 'Ed25519');

export const ROOT_SECRET = { id: 'acme-known-answer', label: 'macaroon root secret' };
export const PARTNER = { location: 'https://partner.example/discharge', keyId: 'acme-partner', label: 'partner shared secret', condition: 'delegation-live' };

export const CAPABILITY: Omit<Capability, 'holder'> = {
  resources: ['files:/reports/*', 'db:orders'],
  actions: ['read', 'write'],
  audience: [AUDIENCE, 'did:web:db.example'],
  expiresAt: NOW + 3600,
  maxDepth: 4,
  onBehalfOf: USER,
  task: TASK,
};

export interface Hop {
  from: AgentName;
  to: AgentName;
  narrowing?: Partial<Scope>;
  /** Macaroon: add a third-party caveat (PARTNER) with this hop. */
  thirdParty?: boolean;
}

export interface Shape {
  name: string;
  format: TokenFormat;
  holder: AgentName;
  hops: Hop[];
  /** The request the token must allow (by its final holder). */
  allowed: { resource: string; action: string };
}

const threeHops: Hop[] = [
  { from: 'orchestrator', to: 'researcher', narrowing: { actions: ['read'] } },
  { from: 'researcher', to: 'analyst', narrowing: { resources: ['files:/reports/q3/*'], audience: [AUDIENCE] } },
  { from: 'analyst', to: 'writer', narrowing: { expiresAt: NOW + 600, maxDepth: 0 } },
];

export const SHAPES: Shape[] = [
  { name: 'biscuit-mint', format: 'biscuit', holder: 'orchestrator', hops: [], allowed: { resource: 'db:orders', action: 'write' } },
  { name: 'biscuit-1-hop', format: 'biscuit', holder: 'orchestrator', hops: [threeHops[0]!], allowed: { resource: 'files:/reports/q3/a.pdf', action: 'read' } },
  { name: 'biscuit-3-hops', format: 'biscuit', holder: 'orchestrator', hops: threeHops, allowed: { resource: 'files:/reports/q3/a.pdf', action: 'read' } },
  {
    // Every Biscuit hop is a third-party block; this one's external signature is P-256.
    name: 'biscuit-2-hops-p256-third-party-block',
    format: 'biscuit',
    holder: 'orchestrator',
    hops: [
      { from: 'orchestrator', to: 'p256-agent', narrowing: { actions: ['read'] } },
      { from: 'p256-agent', to: 'writer', narrowing: { resources: ['files:/reports/q3/*'] } },
    ],
    allowed: { resource: 'files:/reports/q3/a.pdf', action: 'read' },
  },
  { name: 'macaroon-mint', format: 'macaroon', holder: 'orchestrator', hops: [], allowed: { resource: 'db:orders', action: 'write' } },
  { name: 'macaroon-1-hop', format: 'macaroon', holder: 'orchestrator', hops: [threeHops[0]!], allowed: { resource: 'files:/reports/q3/a.pdf', action: 'read' } },
  { name: 'macaroon-3-hops', format: 'macaroon', holder: 'orchestrator', hops: threeHops, allowed: { resource: 'files:/reports/q3/a.pdf', action: 'read' } },
  {
    name: 'macaroon-1-hop-third-party-caveat',
    format: 'macaroon',
    holder: 'orchestrator',
    hops: [{ from: 'orchestrator', to: 'researcher', narrowing: { actions: ['read'] }, thirdParty: true }],
    allowed: { resource: 'files:/reports/q3/a.pdf', action: 'read' },
  },
];

/** A request a vector must refuse, with the code and check it must be refused with. */
export interface Denial {
  why: string;
  request: { resource: string; action: string; audience: string; task?: string };
  /** Presenter, when not the final holder. */
  presenter?: string;
  /** Decision time (seconds), when not NOW. */
  at?: number;
  /** Macaroon: present without its discharges. */
  withoutDischarges?: boolean;
  code: string;
  check: string;
}


/**
 * The refusals every vector must give, stated by hand from its shape (the generator
 * checks today's code gives exactly these before it writes them).
 */
export function denialsOf(shape: Shape, effective: Scope, other: string): Denial[] {
  const request = { ...shape.allowed, audience: AUDIENCE, task: TASK };
  const denials: Denial[] = [
    { why: 'an action no hop grants', request: { ...request, action: 'delete' }, code: 'denied', check: 'actions' },
    { why: 'a resource outside every pattern', request: { ...request, resource: 'files:/secrets/key' }, code: 'denied', check: 'resources' },
    { why: 'another audience', request: { ...request, audience: 'did:web:evil.example' }, code: 'wrong_audience', check: 'audience' },
    { why: 'another task', request: { ...request, task: 'other-task' }, code: 'wrong_task', check: 'task' },
    { why: 'presented by an agent it was not delegated to', request, presenter: other, code: 'holder_mismatch', check: 'holder' },
  ];
  const thirdParty = shape.hops.some((h) => h.thirdParty);
  if (thirdParty) {
    denials.push(
      { why: 'its third-party caveat not discharged', request, withoutDischarges: true, code: 'denied', check: 'third_party' },
      { why: 'the discharge expired', request, at: DISCHARGE_EXPIRES_AT, code: 'expired', check: 'discharge_expiry' },
    );
  }
  // Before its newest hop existed, beyond authorize's default 60 s clock tolerance.
  denials.push({ why: 'before its last hop was issued', request, at: issuedAtOf(shape.hops.length) - 61, code: 'not_yet_valid', check: 'issued_at' });
  denials.push(
    thirdParty
      ? // The discharge expires first, and discharges are decided before the hops' scopes.
        { why: 'at the last hop’s expiry, past the discharge’s', request, at: effective.expiresAt, code: 'expired', check: 'discharge_expiry' }
      : { why: 'at the last hop’s expiry', request, at: effective.expiresAt, code: 'expired', check: 'expiry' },
  );
  return denials;
}

/** Expiry of the discharge of the third-party caveat vector. */
export const DISCHARGE_EXPIRES_AT = NOW + 300;
