import { DeniedError } from '@agent-id/core';
import { patternWithin } from '@agent-id/core';

/** The authority one OAuth scope name stands for: resources (exact or `prefix/*`) and actions. */
export interface ScopeDefinition {
  resources: readonly string[];
  actions: readonly string[];
}

/**
 * The one capability scope (resources × actions) that holds exactly the union of the
 * named scopes. A capability's scope is a product: `read` on files and `write` on orders
 * would also grant `write` on files, so names whose union is not a product are refused
 * (`denied`, check `scope_product`) rather than widened; ask for them in separate
 * exchanges. No names is `denied` too (check `scope`).
 *
 * @example
 * ```ts
 * grantedScope(['orders.read'], { 'orders.read': { resources: ['api:/orders/*'], actions: ['read'] } });
 * // { resources: ['api:/orders/*'], actions: ['read'] }
 * ```
 */
export function grantedScope(names: readonly string[], catalogue: Readonly<Record<string, ScopeDefinition>>): { resources: string[]; actions: string[] } {
  if (names.length === 0) throw new DeniedError('no scope is left to grant', { check: 'scope' });
  const definitions = names.map((n) => {
    const d = Object.hasOwn(catalogue, n) ? catalogue[n] : undefined;
    if (d === undefined) throw new DeniedError(`scope "${n.slice(0, 60)}" is unknown`, { check: 'scope_unknown' });
    return d;
  });
  const resources = [...new Set(definitions.flatMap((d) => d.resources))];
  const actions = [...new Set(definitions.flatMap((d) => d.actions))];
  for (const r of resources) {
    for (const a of actions) {
      if (!definitions.some((d) => d.actions.includes(a) && d.resources.some((p) => patternWithin(r, p)))) {
        throw new DeniedError('these scopes together would grant more than each of them: request them in separate exchanges', { check: 'scope_product' });
      }
    }
  }
  return { resources, actions };
}
