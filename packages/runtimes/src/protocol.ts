/**
 * What the Node side sends to a runtime and what it answers: plain JSON, the same for every
 * runtime (a process's stdin and stdout for Deno and Bun, an HTTP body for workerd, a
 * `page.evaluate` argument for Chromium).
 */

/** A JSON value (what crosses a process or page boundary). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A frozen Ed25519 or P-256 key: its type and secret scalar, base64url. */
export interface VectorKey {
  type: 'Ed25519' | 'P-256';
  secret: string;
}

export interface JwsVector {
  name: string;
  /** The public key as a JWK. */
  jwk: { [key: string]: string };
  /** A compact JWS that must verify under `jwk`. */
  jws: string;
  /** Set when signing is deterministic (Ed25519): the key and the JWS it must give `jws`'s header and payload. */
  signWith?: VectorKey;
}

export interface JcsVector {
  name: string;
  /** JSON text, parsed in the runtime. */
  input: string;
  /** Its RFC 8785 canonical form. */
  canonical: string;
}

export interface DidKeyVector {
  did: string;
  /** The public key's JWK, or the refusal's code and check for a malformed DID. */
  jwk?: { [key: string]: string };
  code?: string;
  check?: string;
}

export interface TokenRequest {
  resource: string;
  action: string;
  audience: string;
  task: string;
}

export interface BiscuitVector {
  name: string;
  token: string;
  /** did:key of the trusted root. */
  root: string;
  presenter: string;
  /** Seconds: the vectors are decided at this fixed time. */
  now: number;
  request: TokenRequest;
  /** What `authorize` returns for `request` (its audit `record` left out). */
  allowed: Json;
  denied: { why: string; request: TokenRequest; presenter?: string; at?: number; code: string; check: string }[];
  /** The token with one byte changed, refused for `request` with this code and check. */
  tampered: { why: string; token: string; code: string; check: string }[];
}

export interface CardVector {
  name: string;
  /** A signed agent card. */
  card: Json;
  /** The DID whose key signed it, and the hosts it may speak for (policy: `signers: [{ did, hosts }]`). */
  signer: string;
  hosts: string[];
  /** The verdict's `signers`. */
  signers: Json;
  /** Set for deterministic (Ed25519) signatures: signing `card` without its signatures with this key must give `card`. */
  signWith?: VectorKey & { keyId: string };
}

/** packages/runtimes/test/vectors/vectors.json */
export interface Vectors {
  jws: JwsVector[];
  jcs: JcsVector[];
  didKey: DidKeyVector[];
  biscuit: BiscuitVector[];
  cards: CardVector[];
}

/** A round trip: made in Node, handled in the runtime, checked again in Node. */
export interface RoundTripInput {
  /** A Biscuit minted in Node for `holder`. */
  token: string;
  root: string;
  holder: VectorKey;
  /** The DID the runtime delegates to, and how it narrows. */
  to: string;
  narrowing: { resources: string[]; actions: string[] };
  /** A request the runtime's attenuated token must allow (Node checks it too). */
  request: TokenRequest;
  /** A card Node signed with a fresh key (ECDSA: a new signature every time). */
  card: Json;
  cardSigner: string;
  cardHosts: string[];
  /** A card for the runtime to sign, with this key. */
  unsignedCard: Json;
  cardKey: VectorKey & { keyId: string };
}

export interface CheckRequest {
  vectors: Vectors;
  roundTrip: RoundTripInput;
}

/** One check's outcome: the value it gave, or the coded refusal it threw. */
export type Answer = { value: Json } | { error: { code: string; check?: string; message?: string } };

export interface CheckResult {
  /** What ran it, e.g. `Deno 2.9.6`, `Bun 1.4.5`, `workerd`, `Chromium/156…`, `Node v20.20.2`. */
  runtime: string;
  /** Which platform layer of `@agent-id/core` the bundle got: `node` (node:crypto) or `web` (WebCrypto, @noble/curves). */
  platform: string;
  /** By check name (`jws:<name>:verify`, `jcs:<name>`, …); the Node side knows the expected answers. */
  answers: { [name: string]: Answer };
  roundTrip: {
    /** The Node-minted token, authorized in the runtime as its holder. */
    authorized: Answer;
    /** The token attenuated in the runtime to `to`. */
    attenuated: Answer;
    /** The verdict's signers for Node's card. */
    cardSigners: Answer;
    /** `unsignedCard` signed in the runtime. */
    signedCard: Answer;
  };
}
