import { KeyPair, type KeyType } from '@agent-id/core';
import { didKeyFromPublicKey } from './did-key.js';
import { createDidWebDocument, didWebDocumentUrl, didWebFromDomain, parseDidWeb } from './did-web.js';
import type { DidDocument } from './document.js';

/** An agent's (or organisation's) identity: a DID and the key that speaks for it. */
export interface AgentIdentity {
  did: string;
  /** DID URL of the signing key (`kid` in signatures). */
  keyId: string;
  keyPair: KeyPair;
  /** did:web only: the document to host. */
  document?: DidDocument;
  /** did:web only: the URL path to host it at. */
  documentPath?: string;
  /** did:web only: the URL resolvers fetch. */
  documentUrl?: string;
}

/** A did:web identity: its document and where to host it are always there. */
export interface DidWebIdentity extends AgentIdentity {
  document: DidDocument;
  documentPath: string;
  documentUrl: string;
}

/** Options for a did:key identity. */
export interface CreateDidKeyOptions {
  method?: 'key';
  keyType?: KeyType;
  keyPair?: KeyPair;
}

/** Options for a did:web identity. */
export interface CreateDidWebOptions {
  method: 'web';
  /** `host` or `host:port`. */
  domain: string;
  /** Path segments (`['agents','planner']` or `'agents/planner'`); none means `/.well-known/did.json`. */
  path?: string | readonly string[];
  keyType?: KeyType;
  keyPair?: KeyPair;
  services?: DidDocument['service'];
  /** Resolve over plain HTTP on loopback (the URL reported in `documentUrl`). */
  allowHttpLoopback?: boolean;
}

/** Options for {@link createAgentIdentity}. */
export type CreateIdentityOptions = CreateDidKeyOptions | CreateDidWebOptions;

/**
 * Creates an identity: a did:key (Ed25519 by default; P-256, secp256k1) or a did:web with
 * the DID document to host and where to host it.
 *
 * @example
 * ```ts
 * const agent = createAgentIdentity();                                   // did:key:z6Mk…
 * const org = createAgentIdentity({ method: 'web', domain: 'acme.example' });
 * // serve org.document at https://acme.example/.well-known/did.json
 * ```
 */
export function createAgentIdentity(options: CreateDidWebOptions): DidWebIdentity;
export function createAgentIdentity(options?: CreateIdentityOptions): AgentIdentity;
export function createAgentIdentity(options: CreateIdentityOptions = {}): AgentIdentity {
  const keyPair = options.keyPair ?? KeyPair.generate(options.keyType ?? 'Ed25519');
  if (options.method === 'web') {
    const did = didWebFromDomain(options.domain, options.path ?? []);
    const document = createDidWebDocument(did, [{ publicKey: keyPair.publicKey }], { services: options.services });
    return {
      did,
      keyId: `${did}#key-1`,
      keyPair,
      document,
      documentPath: parseDidWeb(did).documentPath,
      documentUrl: didWebDocumentUrl(did, { allowHttpLoopback: options.allowHttpLoopback }),
    };
  }
  if (options.method !== undefined && options.method !== 'key') throw new TypeError(`unsupported DID method ${String(options.method)}`);
  const did = didKeyFromPublicKey(keyPair.publicKey);
  return { did, keyId: `${did}#${did.slice('did:key:'.length)}`, keyPair };
}
