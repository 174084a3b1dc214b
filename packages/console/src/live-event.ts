/**
 * One event of the live view, sent as JSON on one server-sent-events `data:` line. Nodes are
 * display names (`acme`, `acme/orchestrator`, `globex/analyst`), never parsed: the page
 * shows them as text.
 *
 * - `section`: a heading in the event log.
 * - `delegate`: a new hop `from` → `to`; a later one on the same edge revives it.
 * - `refuse`: a delegation refused before any token left.
 * - `decision`: a request decided; `chain` names the authority (organisation) first and the acting agent last.
 * - `revoke`: the hop `from` → `to` is revoked: the edge and everything below it are cut.
 * - `note`: free text for the log.
 *
 * @example
 * ```ts
 * import type { LiveEvent } from '@agent-id/console';
 * const event: LiveEvent = { type: 'delegate', seq: 1, from: 'acme', to: 'acme/orchestrator', format: 'biscuit', scope: 'read files:/reports/*', text: 'acme mints for its orchestrator' };
 * ```
 */
export type LiveEvent =
  | { type: 'section'; seq: number; text: string }
  | { type: 'delegate'; seq: number; from: string; to: string; format: 'biscuit' | 'macaroon'; scope: string; text: string }
  | { type: 'refuse'; seq: number; from: string; to?: string; code: string; check?: string; text: string }
  | { type: 'decision'; seq: number; decision: 'allow' | 'deny'; chain: string[]; code?: string; check?: string; text: string }
  | { type: 'revoke'; seq: number; from: string; to: string; text: string }
  | { type: 'note'; seq: number; text: string };

/**
 * The `type` of a {@link LiveEvent}.
 *
 * @example
 * ```ts
 * import type { LiveEventType } from '@agent-id/console';
 * const kind: LiveEventType = 'revoke';
 * ```
 */
export type LiveEventType = LiveEvent['type'];
