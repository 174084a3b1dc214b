import { type AgentIdError, InputTooLargeError, UnreachableError } from '@agent-id/core';
import { concatBytes, isRecord } from '@agent-id/core/internal';

/** Options for {@link fetchBounded}. */
export interface FetchBoundedOptions {
  /** Timeout of the whole exchange (request and body), ms. */
  timeoutMs: number;
  /** Largest accepted body, bytes; larger bodies are cut off while streaming. */
  maxBytes: number;
  /** What is fetched, for messages (e.g. `agent card at https://…`). */
  what: string;
  /** `Accept` header. */
  accept?: string;
  /** Error raised when the resource is unreachable. Default {@link UnreachableError} (`unreachable`). */
  unreachable?: new (message: string, options?: { check?: string; cause?: unknown }) => AgentIdError;
}

/** Status and (for 200 only) the body. */
export interface BoundedResponse {
  status: number;
  body: Uint8Array;
}

/**
 * GET with the limits untrusted remote documents need: no redirects (a redirect counts as
 * unreachable), a timeout over the whole exchange, and a body read as a stream and cut at
 * `maxBytes` (`input_too_large`). Non-200 answers resolve with an empty body so callers can
 * tell 404 from 500; network failures and timeouts throw `options.unreachable`.
 *
 * @example
 * ```ts
 * const { status, body } = await fetchBounded(url, { timeoutMs: 5_000, maxBytes: 65_536, what: 'agent card' });
 * ```
 */
export async function fetchBounded(url: string | URL, options: FetchBoundedOptions): Promise<BoundedResponse> {
  const Unreachable = options.unreachable ?? UnreachableError;
  const { what, maxBytes, timeoutMs } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: 'manual', headers: { accept: options.accept ?? 'application/json' } });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      throw new Unreachable(`${what} redirects (HTTP ${response.status}); redirects are not followed`, { check: 'fetch' });
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      return { status: response.status, body: new Uint8Array(0) };
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw new InputTooLargeError(`${what} is ${declared} bytes, above the limit of ${maxBytes}`);
    }
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const next = await reader?.read();
      if (!next || next.done) break;
      total += next.value.length;
      if (total > maxBytes) {
        await reader?.cancel().catch(() => {});
        throw new InputTooLargeError(`${what} exceeds ${maxBytes} bytes`);
      }
      chunks.push(next.value);
    }
    return { status: 200, body: concatBytes(...chunks) };
  } catch (cause) {
    if (cause instanceof Unreachable || cause instanceof InputTooLargeError) throw cause;
    const timedOut = signal.aborted || (isRecord(cause) && (cause.name === 'TimeoutError' || cause.name === 'AbortError'));
    throw new Unreachable(timedOut ? `${what}: no answer within ${timeoutMs} ms` : `${what} is unreachable`, { check: 'fetch', cause });
  }
}
