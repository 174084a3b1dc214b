import { createDidResolver, didKeyFromPublicKey } from '@agent-id/did';
import { signAgentCard, verifyAgentCard } from '@agent-id/a2a-cards';
import { authorize } from '@agent-id/tokens';
import { KeyPair, base64urlDecode } from '@agent-id/core';
import { expectCode } from '@agent-id/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type Bundle, type CheckRequest, type CheckResult, type Json, type RoundTrip, expectedAnswers, loadVectors, makeRoundTrip } from '../src/index.js';

export interface RuntimeRun {
  result: CheckResult;
  /** The bundle the runtime ran (none for Node, which runs the checks in process). */
  bundle?: Bundle;
}

const answered = (a: Answer | undefined): Json => {
  if (a === undefined || !('value' in a)) throw new Error(`expected a value, got ${JSON.stringify(a)}`);
  return a.value;
};

/**
 * The tests every runtime gets: its bundle is the portable build, it gives every
 * known-answer vector's answer, and a round trip (Node → runtime → Node) holds. `start`
 * runs the runtime once, with the whole request, in `beforeAll`.
 */
export interface SuiteOptions {
  /** How the runtime names itself. */
  runtime: RegExp;
  /**
   * Deno and Bun have Node's built-in modules: there, only our packages' use of them counts
   * (third-party CommonJS such as macaroon's `require('util')` is theirs to keep).
   */
  builtinsForThirdParty?: boolean;
}

export function runtimeSuite(name: string, options: SuiteOptions, start: (request: CheckRequest) => Promise<RuntimeRun>, extra?: (get: () => RuntimeRun) => void): void {
  describe(name, () => {
    const vectors = loadVectors();
    const expected = expectedAnswers(vectors);
    const resolver = createDidResolver();
    let rt: RoundTrip;
    let run: RuntimeRun;
    beforeAll(async () => {
      rt = await makeRoundTrip();
      run = await start({ vectors, roundTrip: rt.input });
    });

    it('is the runtime it claims', () => {
      expect(run.result.runtime).toMatch(options.runtime);
    });

    it(`uses core's ${name === 'Node' ? 'node (node:crypto)' : 'web (WebCrypto)'} platform layer`, () => {
      expect(run.result.platform).toBe(name === 'Node' ? 'node' : 'web');
    });

    if (name !== 'Node') {
      it('runs the portable build: its bundle imports no node: module and loads no WebAssembly up front', () => {
        const counted = run.bundle?.nodeImports.filter((i) => !options.builtinsForThirdParty || i.includes('← packages/'));
        expect(counted).toEqual([]);
        expect(run.bundle?.wasmImports.filter((w) => !w.endsWith('(dynamic-import)'))).toEqual([]);
      });
    }

    describe('known-answer vectors', () => {
      it('answers every check', () => {
        expect(Object.keys(run.result.answers).sort()).toEqual([...expected.keys()].sort());
      });
      it.each([...expected])('%s', (check, answer) => {
        const got = run.result.answers[check];
        if ('value' in answer) expect(got).toEqual(answer);
        else expect(got).toMatchObject(answer);
      });
    });

    describe('round trip through Node', () => {
      it('authorizes a token Node minted, as Node does', async () => {
        const holder = didKeyFromPublicKey(KeyPair.fromSecretKey(rt.input.holder.type, base64urlDecode(rt.input.holder.secret)).publicKey);
        const { record: _record, ...inNode } = await authorize(rt.input.token, { request: rt.input.request, presenter: holder, trustedRoots: rt.root.publicKey });
        expect(run.result.roundTrip.authorized).toEqual({ value: JSON.parse(JSON.stringify(inNode)) });
      });

      it('attenuates that token offline; Node authorizes the hop for the delegate, narrowed', async () => {
        const token = answered(run.result.roundTrip.attenuated) as string;
        const options = { presenter: rt.input.to, trustedRoots: rt.root.publicKey };
        const { chain, effective } = await authorize(token, { ...options, request: rt.input.request });
        expect(chain.map((h) => h.to)).toEqual([expect.stringMatching(/^did:key:zDn/), rt.input.to]);
        expect(chain[1]?.granted).toMatchObject({ resources: rt.input.narrowing.resources, actions: rt.input.narrowing.actions });
        expect(effective).toMatchObject({ resources: rt.input.narrowing.resources, actions: rt.input.narrowing.actions });
        await expectCode(authorize(token, { ...options, request: { ...rt.input.request, action: 'write' } }), 'denied', 'actions');
        await expectCode(authorize(token, { ...options, request: { ...rt.input.request, resource: 'db:orders' } }), 'denied', 'resources');
      });

      it('verifies the card Node signed (ECDSA P-256), as Node does', async () => {
        const verdict = await verifyAgentCard(rt.input.card as never, resolver, { signers: [{ did: rt.input.cardSigner, hosts: rt.input.cardHosts }] });
        expect(run.result.roundTrip.cardSigners).toEqual({ value: JSON.parse(JSON.stringify(verdict.signers)) });
      });

      it('signs a card to the bytes Node gives (Ed25519 is deterministic), which Node verifies', async () => {
        const card = answered(run.result.roundTrip.signedCard);
        const keyPair = KeyPair.fromSecretKey('Ed25519', base64urlDecode(rt.input.cardKey.secret));
        expect(card).toEqual(JSON.parse(JSON.stringify(await signAgentCard(rt.input.unsignedCard, { keyId: rt.input.cardKey.keyId, keyPair }))));
        const verdict = await verifyAgentCard(card as never, resolver, { signers: [{ did: rt.cardKeyDid, hosts: ['globex.example'] }] });
        expect(verdict.signers.map((s) => s.keyId)).toEqual([rt.input.cardKey.keyId]);
        await expectCode(verifyAgentCard({ ...(card as object), name: 'Someone Else' } as never, resolver, { signers: [{ did: rt.cardKeyDid, hosts: ['globex.example'] }] }), 'invalid_signature');
      });
    });

    extra?.(() => run);
  });
}
