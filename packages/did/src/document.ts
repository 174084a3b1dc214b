import type { PublicJwk } from '@agent-id/core';

/** A verification method in a DID document. */
export interface VerificationMethod {
  id: string;
  type: string;
  controller: string;
  publicKeyJwk?: PublicJwk;
  publicKeyMultibase?: string;
  publicKeyBase58?: string;
}

/** Verification relationships a key can be authorised for. */
export type VerificationRelationship = 'authentication' | 'assertionMethod' | 'capabilityDelegation' | 'capabilityInvocation';

/** The verification relationships, in document order. */
export const VERIFICATION_RELATIONSHIPS: readonly VerificationRelationship[] = [
  'authentication',
  'assertionMethod',
  'capabilityDelegation',
  'capabilityInvocation',
];

/** A DID document (W3C DID Core), as far as agent-id reads it. */
export interface DidDocument {
  '@context'?: string | string[];
  id: string;
  controller?: string | string[];
  alsoKnownAs?: string[];
  verificationMethod?: VerificationMethod[];
  authentication?: (string | VerificationMethod)[];
  assertionMethod?: (string | VerificationMethod)[];
  capabilityDelegation?: (string | VerificationMethod)[];
  capabilityInvocation?: (string | VerificationMethod)[];
  keyAgreement?: (string | VerificationMethod)[];
  service?: { id: string; type: string | string[]; serviceEndpoint: unknown }[];
}
