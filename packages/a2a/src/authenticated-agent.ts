import type { User } from '@a2a-js/sdk/server';
import type { VerifiedOwnershipCredential } from '@agent-id/did';
import type { HttpAllow, VerifiedProof } from '@agent-id/http';
import type { VerifiedDelegation } from './verify-delegation.js';

/** How a caller authenticated: a capability token for this endpoint, or its ownership credential alone. */
export type AuthenticatedBy = 'capability' | 'credential';

/**
 * The calling agent of one A2A request, as the SDK's `User` (`context.user`): the agent
 * whose DID key signed the request's proof, the organisation that vouches for it, and what
 * it presented and delegated. Read it in an executor with `callerOf(requestContext)`.
 *
 * @example
 * ```ts
 * const caller = callerOf(requestContext);
 * if (caller?.delegation) wallet.hold(caller.delegation.task, caller.delegation.token);
 * ```
 */
export class AuthenticatedAgent implements User {
  /** DID of the calling agent. */
  readonly agent: string;
  /** The organisation whose ownership credential vouches for it. */
  readonly operator: string;
  /** The user or organisation it acts for: the capability's principal, else its credential's. */
  readonly onBehalfOf: string | undefined;
  readonly authenticatedBy: AuthenticatedBy;
  readonly proof: VerifiedProof;
  readonly credential: VerifiedOwnershipCredential;
  /** With `authenticatedBy: 'capability'`: the decision on the token presented for this endpoint. */
  readonly capability: HttpAllow | undefined;
  /** A capability the request's message delegated to this agent, accepted by `verifyDelegation`. */
  readonly delegation: VerifiedDelegation | undefined;

  constructor(fields: {
    proof: VerifiedProof;
    credential: VerifiedOwnershipCredential;
    capability?: HttpAllow;
    delegation?: VerifiedDelegation;
  }) {
    this.agent = fields.proof.agent;
    this.operator = fields.credential.issuer;
    this.onBehalfOf = fields.capability?.onBehalfOf ?? fields.credential.onBehalfOf;
    this.authenticatedBy = fields.capability ? 'capability' : 'credential';
    this.proof = fields.proof;
    this.credential = fields.credential;
    this.capability = fields.capability;
    this.delegation = fields.delegation;
  }

  get isAuthenticated(): boolean {
    return true;
  }

  /** The agent's DID. */
  get userName(): string {
    return this.agent;
  }

  /** Tokens stay out of JSON: who, for whom, how, and the delegated chain. */
  toJSON(): Record<string, unknown> {
    return {
      agent: this.agent,
      operator: this.operator,
      onBehalfOf: this.onBehalfOf,
      authenticatedBy: this.authenticatedBy,
      ...(this.delegation ? { delegation: { task: this.delegation.task, chain: this.delegation.chain } } : {}),
    };
  }
}
