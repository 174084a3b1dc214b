import type { Scope } from '@agent-id/core';
import { splitResources } from '../model.js';

// Every value enters Datalog as a parameter; these templates are the only code.

export const AUTHORITY_CODE = `authority({issuer}, {holder}, {on_behalf_of}, {task});
hop_scope(0, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});`;

// The check repeats the scope as constants. Measured against a check that joins the
// block's own hop_scope fact instead: strings are interned once per block, so repeating
// them costs a few bytes, while the join's variable names are new symbols (a 5-hop token
// grew from 4,410 to 4,695 bytes) and the join cost more Datalog time and memory.
export const HOP_CODE = `hop({index}, {from}, {to}, {previous});
hop_scope({index}, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});
check if resource($r), action($a), audience($aud), time($t), {actions}.contains($a), {audience}.contains($aud), $t < {expires}, {exact}.contains($r) || {prefixes}.any($p -> $r.starts_with($p));`;

/** The authorizer's request facts, one parsed template each (values set per call). */
export const REQUEST_FACTS = [
  ['resource({resource})', 'resource'],
  ['action({action})', 'action'],
  ['audience({audience})', 'audience'],
  ['time({time})', 'time'],
] as const;

export const ALLOW_POLICY =
  'allow if resource($r), action($a), audience($aud), time($t), hop_scope(0, $exact, $prefixes, $actions, $auds, $exp, $d), $actions.contains($a), $auds.contains($aud), $t < $exp, $exact.contains($r) || $prefixes.any($p -> $r.starts_with($p))';

export const TASK_CHECK = 'check if authority($issuer, $holder, $obo, {task})';

export type DatalogValue = string | number | boolean | { date: string } | { bytes: string } | { set: string[] };

export function dateParam(seconds: number): { date: string } {
  return { date: new Date(seconds * 1000).toISOString() };
}

export function scopeParams(scope: Scope): Record<string, DatalogValue> {
  const { exact, prefixes } = splitResources(scope.resources);
  return {
    exact: { set: exact },
    prefixes: { set: prefixes },
    actions: { set: [...scope.actions] },
    audience: { set: [...scope.audience] },
    expires: dateParam(scope.expiresAt),
    depth: scope.maxDepth,
  };
}
