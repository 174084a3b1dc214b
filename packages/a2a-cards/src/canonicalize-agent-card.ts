import { optionsObject, prepareCard } from './prepare.js';

/** Options for {@link canonicalizeAgentCard}. */
export interface CanonicalizeAgentCardOptions {
  /** Largest accepted card, bytes. Default 131,072. */
  maxCardBytes?: number;
}

/**
 * The canonical form of a card that its signatures cover (A2A specification section 8.4.1,
 * as `@a2a-js/sdk` 1.3.0 computes it): the protobuf JSON mapping of the v1.0 schema, with
 * `signatures`, fields outside the schema and empty values (`""`, `[]`, `{}`, `null`)
 * removed, serialized with RFC 8785 (JCS). Unlike the SDK, a value of the wrong JSON type
 * is `malformed_input` rather than coerced. This is the `prune-empty` reading, the one
 * {@link signAgentCard} signs; `verifyAgentCard` also accepts `rule-1-as-written`.
 *
 * @example
 * ```ts
 * import { canonicalizeAgentCard } from '@agent-id/a2a-cards';
 * canonicalizeAgentCard({ name: 'Planner', description: 'Plans trips', version: '1.0.0', capabilities: { streaming: false } } as never);
 * // '{"capabilities":{"streaming":false},"description":"Plans trips","name":"Planner","version":"1.0.0"}'
 * ```
 */
export function canonicalizeAgentCard(card: unknown, options?: CanonicalizeAgentCardOptions): string {
  return prepareCard(card, optionsObject(options).maxCardBytes).canonical;
}
