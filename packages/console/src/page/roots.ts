/** The roots the user trusts, one per line: a DID (did:key offline, did:web fetched), a public JWK, or a Macaroon root secret. */
import { PublicKey, base64urlDecode } from '@agent-id/core';
import { isRecord, parseJson } from '@agent-id/core/internal';
import { type DidResolver, publicKeyFromDidKey, publicKeyFromVerificationMethod } from '@agent-id/did';
import type { MacaroonRootSecret, TrustedRootKey } from '@agent-id/tokens';

export interface Roots {
  keys: TrustedRootKey[];
  secrets: MacaroonRootSecret[];
}

const MAX_LINES = 32;

function lineError(n: number, message: string, cause?: unknown): Error {
  return Object.assign(new Error(`roots line ${n}: ${message}`), { code: 'malformed_input', check: 'roots', cause });
}

/**
 * Reads the roots text: `did:key:…` (a bare key), `did:web:…` (its document's keys, bound
 * to that DID as issuer), `{…}` (a public JWK), `macaroon ID BASE64URL-SECRET`.
 */
export async function readRoots(text: string, resolver: DidResolver): Promise<Roots> {
  const roots: Roots = { keys: [], secrets: [] };
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines.filter((l) => l !== '').length > MAX_LINES) throw lineError(MAX_LINES + 1, `at most ${MAX_LINES} roots`);
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    try {
      if (line.startsWith('did:key:')) roots.keys.push(publicKeyFromDidKey(line));
      else if (line.startsWith('did:web:')) {
        const doc = await resolver.resolve(line);
        const methods = Array.isArray(doc.verificationMethod) ? doc.verificationMethod : [];
        for (const vm of methods) roots.keys.push({ issuer: line, publicKey: publicKeyFromVerificationMethod(vm) });
        if (methods.length === 0) throw lineError(n, 'the DID document lists no verification method');
      } else if (line.startsWith('{')) {
        const jwk = parseJson(line, { maxBytes: 8192, maxDepth: 4, what: 'public JWK' });
        if (!isRecord(jwk) || 'd' in jwk) throw lineError(n, 'a public JWK (without "d") is expected');
        roots.keys.push(PublicKey.fromJwk(jwk));
      } else if (line.startsWith('macaroon ')) {
        const [, id, secret, extra] = line.split(/\s+/);
        if (!id || !secret || extra !== undefined) throw lineError(n, 'write: macaroon ID BASE64URL-SECRET');
        roots.secrets.push({ id, secret: base64urlDecode(secret) });
      } else throw lineError(n, 'expected did:key:…, did:web:…, a public JWK {…} or "macaroon ID SECRET"');
    } catch (e) {
      if (e instanceof Error && 'check' in e && (e as { check: unknown }).check === 'roots') throw e;
      const failure = e as { code?: unknown; check?: unknown; message?: unknown };
      throw Object.assign(new Error(`roots line ${n}: ${typeof failure.message === 'string' ? failure.message : 'unreadable'}`), {
        code: typeof failure.code === 'string' ? failure.code : 'malformed_input',
        check: typeof failure.check === 'string' ? failure.check : 'roots',
      });
    }
  }
  return roots;
}
