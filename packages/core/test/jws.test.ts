import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdError,
  base64urlDecode,
  base64urlEncode,
  KEY_TYPES,
  KeyPair,
  type KeyType,
  parseCompactJws,
  parseDetachedJws,
  signCompactJws,
  signDetachedJws,
  verifyJwsSignature,
} from '../src/index.js';
import { expectCode } from '@agent-id/test-support';
import { utf8 } from './helpers.js';

const pairs = Object.fromEntries(KEY_TYPES.map((t) => [t, KeyPair.generate(t)])) as Record<KeyType, KeyPair>;
const payload = utf8(JSON.stringify({ sub: 'did:key:z6Mk', scope: ['read'] }));

/** A compact JWS with a hand-made header, signed by `kp`. */
function forge(header: unknown, body: Uint8Array, kp: KeyPair): string {
  const p = base64urlEncode(JSON.stringify(header));
  const input = `${p}.${base64urlEncode(body)}`;
  return `${input}.${base64urlEncode(kp.sign(utf8(input)))}`;
}

describe.each(KEY_TYPES)('compact JWS with %s', (type) => {
  const kp = pairs[type];

  it('signs, parses and verifies', () => {
    const jws = signCompactJws({ typ: 'JWT', kid: 'k1' }, payload, kp);
    const parsed = parseCompactJws(jws);
    expect(parsed.header).toEqual({ typ: 'JWT', kid: 'k1', alg: kp.algorithm });
    expect(parsed.payload).toEqual(payload);
    expect(parsed.protected).toBe(jws.split('.')[0]);
    expect(new TextDecoder().decode(parsed.signingInput)).toBe(jws.split('.').slice(0, 2).join('.'));
    verifyJwsSignature(parsed, kp.publicKey);
  });

  it('the wrong key is invalid_signature, a key of another type key_mismatch', () => {
    const parsed = parseCompactJws(signCompactJws({}, payload, kp));
    expectCode(() => verifyJwsSignature(parsed, KeyPair.generate(type).publicKey), 'invalid_signature', 'signature');
    const other = KEY_TYPES.find((t) => t !== type)!;
    expectCode(() => verifyJwsSignature(parsed, pairs[other].publicKey), 'key_mismatch');
  });

  it('detached form verifies over the caller payload only', () => {
    const { protected: p, signature } = signDetachedJws({ kid: 'k', typ: 'JOSE' }, payload, kp);
    verifyJwsSignature(parseDetachedJws(p, signature, payload), kp.publicKey);
    expectCode(() => verifyJwsSignature(parseDetachedJws(p, signature, utf8('other')), kp.publicKey), 'invalid_signature');
  });

  it('any single flipped byte anywhere in the compact string yields a coded error', () => {
    const jws = signCompactJws({ kid: 'key-1' }, payload, kp);
    fc.assert(
      fc.property(fc.nat(jws.length - 1), fc.integer({ min: 1, max: 255 }), (pos, delta) => {
        const code = (jws.charCodeAt(pos) + delta) % 256;
        const tampered = jws.slice(0, pos) + String.fromCharCode(code) + jws.slice(pos + 1);
        let error: unknown;
        try {
          verifyJwsSignature(parseCompactJws(tampered), kp.publicKey);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(AgentIdError);
        expect(['malformed_input', 'unsupported_algorithm', 'key_mismatch', 'invalid_signature']).toContain((error as AgentIdError).code);
      }),
      { numRuns: type === 'Ed25519' ? 400 : 120 },
    );
  });
});

describe('parse refusals', () => {
  const kp = pairs.Ed25519;
  const good = signCompactJws({}, payload, kp);
  const [h, b, s] = good.split('.') as [string, string, string];

  it('non-strings and oversized input', () => {
    for (const bad of [undefined, null, 5, {}, [], utf8(good)]) expectCode(() => parseCompactJws(bad), 'malformed_input');
    expectCode(() => parseCompactJws(`${h}.${'A'.repeat(20_000)}.${s}`), 'input_too_large', 'size_limit');
    expectCode(() => parseCompactJws(good, { maxBytes: good.length - 1 }), 'input_too_large');
    expect(parseCompactJws(good, { maxBytes: good.length }).header.alg).toBe('EdDSA');
    expectCode(() => parseCompactJws('€'.repeat(6000)), 'input_too_large');
  });

  it.each([
    ['empty', ''],
    ['two parts', `${h}.${b}`],
    ['four parts', `${good}.x`],
    ['JWE-like five parts', `${h}.a.b.c.d`],
    ['empty header', `.${b}.${s}`],
    ['padding', `${h}=.${b}.${s}`],
    ['standard base64 chars', `${h}.${b}+/.${s}`],
    ['non-canonical trailing bits', `${h}.${b}.${s.slice(0, -1)}${String.fromCharCode(s.charCodeAt(s.length - 1) ^ 1)}`],
    ['whitespace', `${h} .${b}.${s}`],
    ['header not JSON', `${base64urlEncode('{alg:EdDSA}')}.${b}.${s}`],
    ['header JSON array', `${base64urlEncode('["EdDSA"]')}.${b}.${s}`],
    ['header JSON string', `${base64urlEncode('"EdDSA"')}.${b}.${s}`],
    ['header invalid UTF-8', `${base64urlEncode(new Uint8Array([0x7b, 0xff, 0x7d]))}.${b}.${s}`],
    ['header too deep', `${base64urlEncode(`{"alg":"EdDSA","x":${'['.repeat(10)}${']'.repeat(10)}}`)}.${b}.${s}`],
  ])('%s is malformed_input', (_name, jws) => {
    expectCode(() => parseCompactJws(jws), 'malformed_input');
  });

  it.each([
    [{ alg: 'none' }],
    [{ alg: 'HS256' }],
    [{ alg: 'RS256' }],
    [{ alg: 'EdDSA ' }],
    [{ alg: null }],
    [{ alg: ['EdDSA'] }],
    [{}],
  ])('header %j is unsupported_algorithm', (header) => {
    expectCode(() => parseCompactJws(forge(header, payload, kp)), 'unsupported_algorithm', 'algorithm');
    const detached = forge(header, payload, kp).split('.');
    expectCode(() => parseDetachedJws(detached[0], detached[2], payload), 'unsupported_algorithm');
  });

  it('alg none with an empty signature is refused before anything else', () => {
    const none = `${base64urlEncode('{"alg":"none"}')}.${b}.`;
    expectCode(() => parseCompactJws(none), 'unsupported_algorithm');
  });

  it.each([
    [{ alg: 'EdDSA', crit: ['exp'] }, 'header'],
    [{ alg: 'EdDSA', crit: [] }, 'header'],
    [{ alg: 'EdDSA', b64: false }, 'header'],
    [{ alg: 'EdDSA', kid: 5 }, 'header'],
  ])('header %j is malformed_input (check %s)', (header, check) => {
    expectCode(() => parseCompactJws(forge(header, payload, kp)), 'malformed_input', check);
  });

  it('detached: type and size checks', () => {
    const { protected: p, signature } = signDetachedJws({}, payload, kp);
    expectCode(() => parseDetachedJws(5, signature, payload), 'malformed_input');
    expectCode(() => parseDetachedJws(p, null, payload), 'malformed_input');
    expectCode(() => parseDetachedJws('A'.repeat(9000), signature, payload), 'input_too_large');
    expectCode(() => parseDetachedJws(p, 'A'.repeat(2000), payload), 'input_too_large');
    expectCode(() => parseDetachedJws(p, `${signature}=`, payload), 'malformed_input');
  });

  it('a header signed for EdDSA but presented with a P-256 key is key_mismatch, never a verify attempt', () => {
    const parsed = parseCompactJws(good);
    expectCode(() => verifyJwsSignature(parsed, pairs['P-256'].publicKey), 'key_mismatch');
  });

  it('a signature of the wrong length is invalid_signature', () => {
    const short = `${h}.${b}.${base64urlEncode(base64urlDecode(s).subarray(0, 63))}`;
    expectCode(() => verifyJwsSignature(parseCompactJws(short), kp.publicKey), 'invalid_signature');
  });
});
