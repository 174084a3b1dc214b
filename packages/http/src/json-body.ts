import type { ErrorCode } from '@agent-id/core';
import { AgentIdError } from '@agent-id/core';
import { parseJson } from '@agent-id/core/internal';

/** A JSON request body as read by {@link readJsonBody}, or why it was not. */
export type JsonBody =
  | { ok: true; json: unknown; text: string }
  | { ok: false; status: 400 | 413; code: ErrorCode; check: 'body'; message: string };

/** Options of {@link readJsonBody}. */
export interface ReadJsonBodyOptions {
  /** Largest body, bytes: a larger one stops the read at once (`input_too_large`, 413). */
  maxBytes: number;
  /** Deepest nesting accepted. Default 64. */
  maxDepth?: number;
}

async function collect(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>, max: number): Promise<Uint8Array[] | undefined> {
  const parts: Uint8Array[] = [];
  let size = 0;
  if ('getReader' in source) {
    const reader = source.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return parts;
      size += value.byteLength;
      if (size > max) {
        // Not awaited: cancelling one branch of a tee'd stream (a cloned Request) waits for the other.
        reader.cancel().catch(() => undefined);
        return undefined;
      }
      parts.push(value);
    }
  }
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > max) return undefined;
    parts.push(chunk);
  }
  return parts;
}

/**
 * Reads a request body as JSON, bounded: a declared or actual size over `maxBytes` stops
 * the read (413 `input_too_large`); bytes that are not UTF-8, or text that is not JSON or is
 * nested deeper than `maxDepth`, are 400 `malformed_input`. An empty body is `json:
 * undefined`. Takes a Node request (an async iterable) or a web `ReadableStream`.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(request.body ?? [], request.headers.get('content-length'), { maxBytes: 65_536 });
 * if (!body.ok) return Response.json({ code: body.code }, { status: body.status });
 * ```
 */
export async function readJsonBody(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>,
  declaredLength: string | null | undefined,
  options: ReadJsonBodyOptions,
): Promise<JsonBody> {
  const max = options.maxBytes;
  const tooLarge = { ok: false, status: 413, code: 'input_too_large', check: 'body', message: `the body is larger than ${max} bytes` } as const;
  if (declaredLength != null && Number(declaredLength) > max) return tooLarge;
  const parts = await collect(source, max);
  if (parts === undefined) return tooLarge;
  const size = parts.reduce((n, p) => n + p.byteLength, 0);
  if (size === 0) return { ok: true, json: undefined, text: '' };
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { ok: false, status: 400, code: 'malformed_input', check: 'body', message: 'the body is not UTF-8' };
  }
  try {
    return { ok: true, json: parseJson(text, { maxBytes: max, maxDepth: options.maxDepth ?? 64, what: 'the request body' }), text };
  } catch (error) {
    if (error instanceof AgentIdError) return { ok: false, status: error.code === 'input_too_large' ? 413 : 400, code: error.code, check: 'body', message: error.message };
    throw error;
  }
}
