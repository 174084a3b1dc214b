/** Rendering attacker-controlled strings: always as text, control characters made visible, long ones cut. */
import type { ComponentChildren } from 'preact';
import { visible } from './visible.js';

const MAX_SHOWN = 600;

/** An untrusted string as text: visible controls, at most `max` characters (the rest counted). */
export function Shown({ text, max = MAX_SHOWN, class: cls }: { text: unknown; max?: number; class?: string }) {
  const s = visible(typeof text === 'string' ? text : String(text));
  const cut = s.length > max;
  return (
    <span class={`shown${cls ? ` ${cls}` : ''}`} title={cut ? `${s.length} characters` : undefined}>
      {cut ? `${s.slice(0, max)}… (${s.length - max} more)` : s}
    </span>
  );
}

/** A list of untrusted strings. */
export function ShownList({ items, empty = '(none)' }: { items: readonly unknown[]; empty?: string }) {
  if (items.length === 0) return <span class="muted">{empty}</span>;
  return (
    <span class="list">
      {items.slice(0, 64).map((item, i) => (
        <span key={i} class="chip">
          <Shown text={item} max={200} />
        </span>
      ))}
      {items.length > 64 ? <span class="muted">… {items.length - 64} more</span> : null}
    </span>
  );
}

/** What a refusal says: its code, its check and its message (the libraries' errors carry all three). */
export interface Failure {
  code: string;
  check: string;
  message: string;
}

/** Any thrown value as a {@link Failure}. */
export function failureOf(error: unknown): Failure {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    const e = error as { code: string; check?: unknown; message?: unknown };
    return { code: e.code, check: typeof e.check === 'string' ? e.check : '', message: typeof e.message === 'string' ? e.message : '' };
  }
  return { code: 'error', check: '', message: error instanceof Error ? error.message : String(error) };
}

/** A refusal, with its code and check. */
export function FailureView({ failure, testid }: { failure: Failure; testid?: string }) {
  return (
    <div class="failure" role="alert" data-testid={testid} data-code={failure.code} data-check={failure.check}>
      <strong>refused</strong> <code data-testid="failure-code">{failure.code}</code>
      {failure.check ? (
        <>
          {' '}
          check <code data-testid="failure-check">{failure.check}</code>
        </>
      ) : null}
      <div class="message">
        <Shown text={failure.message} />
      </div>
    </div>
  );
}

/** A labelled field row. */
export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <span class="label">{label}</span>
      <span class="value">{children}</span>
    </div>
  );
}

/** ISO time of whole seconds since the epoch, or the number when it is no date. */
export function isoSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return '(not stated)';
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString();
}
