// @ts-check
// Benchmarks for @agent-id/core: `npm run bench` (after `npm run build`).
// Signature verification on the native path (node:crypto) and the portable path
// (@noble/curves), the path other runtimes take (WebCrypto, through the web platform layer,
// here on Node's WebCrypto), signing, and canonical JSON, each as a ratio to one native
// Ed25519 verification with a prepared KeyObject.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { KeyPair, canonicalize, parseCompactJws, signCompactJws, verifyJwsSignature } from '../dist/index.js';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import * as web from '../dist/platform/web.js';

const started = Date.now();
const message = new TextEncoder().encode(JSON.stringify({ iss: 'did:web:acme.example', sub: 'did:key:z6Mk', scope: ['read'], exp: 2e9 }));
const FAST = { batches: 7, iterations: 1000 };
const SLOW = { batches: 7, iterations: 60 };

/** @param {'Ed25519' | 'P-256' | 'secp256k1'} type */
function keys(type) {
  const kp = KeyPair.generate(type);
  const jwk = kp.exportPrivateJwk();
  const publicKeyObject = createPublicKey({ key: kp.publicKey.toJwk(), format: 'jwk' });
  const privateKeyObject = createPrivateKey({ key: jwk, format: 'jwk' });
  const signature = kp.sign(message);
  return { kp, publicKeyObject, privateKeyObject, signature };
}

const ed = keys('Ed25519');
const p256 = keys('P-256');
const k1 = keys('secp256k1');
const ecdsa = (/** @type {ReturnType<typeof keys>} */ k) => ({ key: k.publicKeyObject, dsaEncoding: /** @type {const} */ ('ieee-p1363') });

const edSecret = ed.kp.exportSecretKey();
// Sanity: every path accepts the signatures it is timed on.
if (!nodeVerify(null, message, ed.publicKeyObject, ed.signature)) throw new Error('native Ed25519 rejected');
for (const k of [ed, p256, k1]) {
  if (!k.kp.publicKey.verify(k.signature, message) || !k.kp.publicKey.verifyPortable(k.signature, message)) throw new Error(`${k.kp.type} rejected`);
}
if (!nodeVerify('sha256', message, ecdsa(p256), p256.signature)) throw new Error('native P-256 rejected');

// A ~1 KB object with nesting, unicode and numbers, as a delegation chain looks.
const hop = (i) => ({
  from: `did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do${i}`,
  to: `did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW${i}`,
  granted: { resources: ['files:/reports/*', 'db:orders'], actions: ['read', 'list'], audience: ['did:web:files.example'], expiresAt: 2_000_000_000 + i, maxDepth: 3 - i },
});
const doc = { task: 'täsk-42 ✓', decision: 'allow', amount: 1234.5, chain: [hop(0), hop(1), hop(2)] };
const docBytes = Buffer.byteLength(canonicalize(doc));

const jws = signCompactJws({ kid: 'k1', typ: 'JWT' }, message, ed.kp);

const BASELINE = 'node:crypto Ed25519 verify (prepared KeyObject)';
const rows = [
  measure(BASELINE, () => nodeVerify(null, message, ed.publicKeyObject, ed.signature), FAST),
  measure('Ed25519 PublicKey.verify (native path)', () => ed.kp.publicKey.verify(ed.signature, message), FAST),
  measure('Ed25519 PublicKey.verifyPortable (@noble/curves)', () => ed.kp.publicKey.verifyPortable(ed.signature, message), SLOW),
  measure('Ed25519 compact JWS parse + verify', () => verifyJwsSignature(parseCompactJws(jws), ed.kp.publicKey), FAST),
  measure('node:crypto Ed25519 sign (prepared KeyObject)', () => nodeSign(null, message, ed.privateKeyObject), FAST),
  measure('Ed25519 KeyPair.sign (native path)', () => ed.kp.sign(message), FAST),
  measure('Ed25519 @noble/curves ed25519.sign', () => ed25519.sign(message, edSecret), SLOW),
  measure('node:crypto P-256 verify (prepared KeyObject)', () => nodeVerify('sha256', message, ecdsa(p256), p256.signature), FAST),
  measure('P-256 PublicKey.verify (native path)', () => p256.kp.publicKey.verify(p256.signature, message), FAST),
  measure('P-256 PublicKey.verifyPortable (@noble/curves)', () => p256.kp.publicKey.verifyPortable(p256.signature, message), SLOW),
  measure('secp256k1 PublicKey.verify (native path)', () => k1.kp.publicKey.verify(k1.signature, message), FAST),
  measure('secp256k1 PublicKey.verifyPortable (@noble/curves)', () => k1.kp.publicKey.verifyPortable(k1.signature, message), SLOW),
  measure(`canonicalize (${docBytes}-byte object)`, () => canonicalize(doc), FAST),
];
// Off Node: the asynchronous verifiers go through WebCrypto (one awaited verify per call).
const webEd = web.asyncVerifier(ed.kp.publicKey.toJwk(), 'EdDSA');
const webP256 = web.asyncVerifier(p256.kp.publicKey.toJwk(), 'ES256');
const webEdSign = web.asyncSigner(ed.kp.exportPrivateJwk(), 'EdDSA');
if (!webEd || !webP256 || !webEdSign || !(await webEd(ed.signature, message)) || !(await webP256(p256.signature, message))) throw new Error('WebCrypto rejected');
rows.push(
  await measureAsync('Ed25519 web platform verify (WebCrypto, awaited)', () => webEd(ed.signature, message), FAST),
  await measureAsync('Ed25519 PublicKey.verifyAsync (native path, awaited)', () => ed.kp.publicKey.verifyAsync(ed.signature, message), FAST),
  await measureAsync('Ed25519 web platform sign (WebCrypto, awaited)', () => webEdSign(message), FAST),
  await measureAsync('P-256 web platform verify (WebCrypto, awaited)', () => webP256(p256.signature, message), FAST),
);

console.log(`@agent-id/core benchmark — Node ${process.version}, ${process.platform}/${process.arch}`);
printTable(rows, BASELINE);
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
