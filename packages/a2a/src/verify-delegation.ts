import {
  type Clock,
  type DelegationHop,
  ExpiredError,
  HolderMismatchError,
  MalformedInputError,
  NotYetValidError,
  RevokedError,
  type Scope,
  WrongTaskError,
  readClock,
  readClockTolerance,
} from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import {
  CapabilityToken,
  type MacaroonRootSecret,
  type RevocationStore,
  type TokenFormat,
  type TokenLimits,
  type TrustedRoots,
  inspectToken,
  verifyChain,
} from '@agent-id/tokens';
import type { CarriedCapability } from './capability-of.js';

/** Options of {@link verifyDelegation}. */
export interface VerifyDelegationOptions {
  /** The receiving agent's DID: the token's last hop must name it as delegate. */
  receiver: string;
  /** The authenticated sender's DID (the agent whose proof signed the request): the last hop must be its own. */
  sender: string;
  /** Biscuit root keys whose tokens this agent reads. */
  trustedRoots?: TrustedRoots;
  /** Macaroon root secrets this agent holds (usually none: they mint). */
  rootSecrets?: readonly MacaroonRootSecret[];
  /**
   * Formats whose chain is read as the token states it (`inspectToken`) when no trust
   * material for them is given: an agent of another organisation cannot check a Macaroon's
   * HMAC chain, only the resource server that holds the root secret can. The checks of hops,
   * task, expiry and revocation still apply; the result says `signaturesVerified: false`.
   * Default: none (a token this agent cannot verify is `untrusted_issuer`).
   */
  unverifiedFormats?: readonly TokenFormat[];
  /** Consulted for every hop, agent and principal of the chain. */
  revocations?: RevocationStore;
  limits?: Partial<TokenLimits>;
  /** Clock skew tolerated for the last hop's issue time, seconds. Default 60. */
  clockToleranceSec?: number;
  clock?: Clock;
}

/** A delegation {@link verifyDelegation} accepted. */
export interface VerifiedDelegation {
  /** The token handed over (redacted in `toString` and JSON). */
  token: CapabilityToken;
  format: TokenFormat;
  /** The organisation that minted it. */
  issuer: string;
  /** The user or organisation it acts for. */
  onBehalfOf: string;
  task: string;
  /** Every hop from the authority to the receiver; the last is the sender's. */
  chain: DelegationHop[];
  /** The scope the last hop granted the receiver. */
  granted: Scope;
  /** Whether every signature of the chain was verified against trusted roots (see `unverifiedFormats`). */
  signaturesVerified: boolean;
}

/**
 * Decides whether a capability delegated in an A2A message may be accepted by the agent
 * that received it. Checks, in this order, and throws a coded error for the first that
 * fails:
 *
 * 1. the clock; the carried token and task are strings and the token parses
 *    (`malformed_input`, checks `capability_metadata`, `parse`);
 * 2. the chain: signatures and narrowing against the trusted roots (`verifyChain`:
 *    `untrusted_issuer`, `invalid_signature`, `scope_widened`, …), or for a format in
 *    `unverifiedFormats` with no trust material, the chain as stated (`inspectToken`);
 * 3. the task the message names is the token's (`wrong_task`, check `task`);
 * 4. the last hop names the receiver as delegate (`holder_mismatch`, check
 *    `delegation_to`: a token addressed to another agent), and was made by the sender
 *    (`holder_mismatch`, check `delegation_from`: a token someone else handed on);
 * 5. the last hop is not expired (`expired`, check `expiry`) nor issued in the future
 *    (`not_yet_valid`, check `hop_issued_at`);
 * 6. with `revocations`, no hop, agent or principal of the chain is revoked (`revoked`).
 *
 * @example
 * ```ts
 * const carried = capabilityOf(message);
 * if (carried) await verifyDelegation(carried, { receiver: me.did, sender: caller.agent, trustedRoots });
 * ```
 */
export async function verifyDelegation(carried: CarriedCapability, options: VerifyDelegationOptions): Promise<VerifiedDelegation> {
  const now = Math.floor(readClock(options.clock) / 1000);
  const tolerance = readClockTolerance(options.clockToleranceSec, 60);
  if (typeof options?.receiver !== 'string' || typeof options.sender !== 'string') throw new TypeError('receiver and sender must be DIDs');
  if (!isRecord(carried) || typeof carried.token !== 'string' || typeof carried.task !== 'string') {
    throw new MalformedInputError('the delegation is not a token and a task', { check: 'capability_metadata' });
  }
  const token = CapabilityToken.parse(carried.token, options.limits?.maxTokenChars !== undefined ? { maxTokenChars: options.limits.maxTokenChars } : {});
  const material = token.format === 'biscuit' ? options.trustedRoots !== undefined : (options.rootSecrets?.length ?? 0) > 0;
  const readAsStated = !material && (options.unverifiedFormats ?? []).includes(token.format);
  const limits = options.limits ? { limits: options.limits } : {};
  const view = readAsStated
    ? await inspectToken(token, limits)
    : await verifyChain(token, { ...(options.trustedRoots !== undefined ? { trustedRoots: options.trustedRoots } : {}), ...(options.rootSecrets ? { rootSecrets: options.rootSecrets } : {}), ...limits });
  if (view.task !== carried.task) throw new WrongTaskError('the delegated token is for another task than the message names', { check: 'task' });
  const last = view.chain.at(-1);
  if (last === undefined) throw new MalformedInputError('the delegated token states no hop', { check: 'chain' });
  if (last.to !== options.receiver) throw new HolderMismatchError('the delegated token is addressed to another agent', { check: 'delegation_to' });
  if (last.from !== options.sender) throw new HolderMismatchError('the last hop of the delegated token was not made by the agent that sent it', { check: 'delegation_from' });
  if (last.granted.expiresAt <= now) throw new ExpiredError('the delegated token has expired', { check: 'expiry' });
  if (last.issuedAt !== undefined && last.issuedAt > now + tolerance) throw new NotYetValidError('the last hop of the delegated token is dated in the future', { check: 'hop_issued_at' });
  if (options.revocations !== undefined) await assertNotRevoked(token, view.chain, view.onBehalfOf, options);
  return {
    token,
    format: token.format,
    issuer: view.issuer,
    onBehalfOf: view.onBehalfOf,
    task: view.task,
    chain: view.chain,
    granted: last.granted,
    signaturesVerified: !readAsStated,
  };
}

async function assertNotRevoked(token: CapabilityToken, chain: readonly DelegationHop[], onBehalfOf: string, options: VerifyDelegationOptions): Promise<void> {
  // Revocation ids are read from the token's blocks; the chain itself was verified above.
  const inspection = await inspectToken(token, options.limits ? { limits: options.limits } : {});
  const tokenIds = [...inspection.revocationIds, ...inspection.blocks.flatMap((b) => (b.blockRevocationId ? [b.blockRevocationId] : []))];
  const agents = [...new Set(chain.flatMap((h) => [h.from, h.to]))];
  const hit = await options.revocations!.findRevoked({ tokenIds, agents, principals: [onBehalfOf] });
  if (hit === undefined) return;
  if (hit.kind === 'token') throw new RevokedError('a hop of the delegated token is revoked', { check: 'revocation_token' });
  if (hit.kind === 'agent') throw new RevokedError(`agent ${hit.did.slice(0, 120)} in the delegated chain is revoked`, { check: 'revocation_agent' });
  throw new RevokedError(`everything acting for ${hit.id.slice(0, 120)} is revoked`, { check: 'revocation_principal' });
}
