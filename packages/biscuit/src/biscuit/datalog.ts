import type { Scope } from '@agent-id/core';
import { splitResources } from '../model.js';

// Every value enters Datalog as a parameter; these templates are the only code.

export const AUTHORITY_CODE = `authority({issuer}, {holder}, {on_behalf_of}, {task});
hop_scope(0, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});`;

export const HOP_CODE = `hop({index}, {from}, {to}, {previous});
hop_scope({index}, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});
check if resource($r), action($a), audience($aud), time($t), {actions}.contains($a), {audience}.contains($aud), $t < {expires}, {exact}.contains($r) || {prefixes}.any($p -> $r.starts_with($p));`;

export const AUTHORIZER_CODE = `resource({resource});
action({action});
audience({audience});
time({time});
allow if resource($r), action($a), audience($aud), time($t), hop_scope(0, $exact, $prefixes, $actions, $auds, $exp, $d), $actions.contains($a), $auds.contains($aud), $t < $exp, $exact.contains($r) || $prefixes.any($p -> $r.starts_with($p));`;

export const AUTHORIZER_TASK_CODE = `check if authority($issuer, $holder, $obo, {task});`;

export const AUTHORITY_QUERY =
  'q($issuer, $holder, $obo, $task, $exact, $prefixes, $actions, $audience, $expires, $depth) <- authority($issuer, $holder, $obo, $task), hop_scope(0, $exact, $prefixes, $actions, $audience, $expires, $depth)';

export const HOP_QUERY =
  'q($from, $to, $previous, $exact, $prefixes, $actions, $audience, $expires, $depth) <- hop({index}, $from, $to, $previous), hop_scope({index}, $exact, $prefixes, $actions, $audience, $expires, $depth) trusting {key}';

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
