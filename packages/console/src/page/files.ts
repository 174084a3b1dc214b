/** Reading what the user drops or picks, and what the page fetches, within a size limit checked before reading. */

/** A file's text, refused before it is read when larger than `maxBytes`. */
export async function readFileLimited(file: Blob, maxBytes: number, what: string): Promise<string> {
  if (file.size > maxBytes) throw Object.assign(new Error(`${what} is ${file.size} bytes, more than the ${maxBytes} allowed`), { code: 'input_too_large', check: 'size_limit' });
  return new TextDecoder('utf-8', { fatal: false }).decode(await file.arrayBuffer());
}

/** A fetched body's text, read no further than `maxBytes`. */
export async function fetchLimited(url: string, maxBytes: number, what: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer', cache: 'no-store' });
  } catch (e) {
    throw Object.assign(new Error(`${what}: ${e instanceof Error ? e.message : 'fetch failed'} (the page's Content-Security-Policy allows its own origin, https: and loopback http)`), {
      code: 'unreachable',
      check: 'fetch',
    });
  }
  if (!response.ok) throw Object.assign(new Error(`${what}: HTTP ${response.status}`), { code: 'unreachable', check: 'status' });
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw Object.assign(new Error(`${what} is more than the ${maxBytes} bytes allowed`), { code: 'input_too_large', check: 'size_limit' });
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** The first file of a drop event, if any. */
export function droppedFile(event: DragEvent): File | undefined {
  event.preventDefault();
  return event.dataTransfer?.files?.[0];
}
