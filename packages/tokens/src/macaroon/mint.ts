import type { Capability, KeyPair } from '@agent-id/core';
import { base64urlEncode } from '@agent-id/core';
import type { MacaroonMintOptions } from '../mint-options.js';
import { validateAgentDid } from '../model.js';
import { CapabilityToken } from '../token.js';
import type { ThirdPartyCaveatSpec } from './discharge.js';
import { type DelegationCaveat, formatCaveat, formatIdentifier, formatThirdPartyId } from './caveats.js';
import { exportBinary } from './codec.js';
import { type MacaroonDraft, addFirstPartyCaveat, addThirdPartyCaveat, newMacaroon } from './macaroon.js';
import { hopSigningInput } from './read.js';
import { caveatRootKey, randomId, tokenRootKey } from './keys.js';

export function addThirdPartyCaveats(m: MacaroonDraft, specs: readonly ThirdPartyCaveatSpec[] | undefined): void {
  for (const spec of specs ?? []) {
    if (typeof spec.location !== 'string' || !spec.location || typeof spec.keyId !== 'string' || !spec.keyId || typeof spec.condition !== 'string' || !spec.condition) {
      throw new TypeError('a third-party caveat needs location, keyId, secret and condition');
    }
    const nonce = randomId();
    const id = formatThirdPartyId({ condition: spec.condition, kid: spec.keyId, location: spec.location, nonce });
    addThirdPartyCaveat(m, caveatRootKey(spec.secret, nonce), id, spec.location);
  }
}

export function addDelegation(m: MacaroonDraft, hop: Omit<DelegationCaveat, 'sig'>, signer: KeyPair): void {
  const sig = base64urlEncode(signer.sign(hopSigningInput(hop, m.signature)));
  addFirstPartyCaveat(m, formatCaveat({ name: 'delegation', value: { ...hop, sig } }));
}

export function mintMacaroon(capability: Capability, issuedAt: number, options: MacaroonMintOptions): CapabilityToken {
  const issuer = validateAgentDid(options.issuer, 'issuer');
  const { id: kid, secret } = options.rootSecret ?? {};
  if (typeof kid !== 'string' || kid.length === 0) throw new TypeError('rootSecret.id must be a non-empty string');
  const tid = randomId();
  const m = newMacaroon(formatIdentifier({ kid, tid }), tokenRootKey(secret, tid));
  addFirstPartyCaveat(
    m,
    formatCaveat({
      name: 'capability',
      value: {
        actions: [...capability.actions],
        audience: [...capability.audience],
        expires_at: capability.expiresAt,
        holder: capability.holder,
        issued_at: issuedAt,
        issuer,
        max_depth: capability.maxDepth,
        on_behalf_of: capability.onBehalfOf,
        resources: [...capability.resources],
        task: capability.task,
      },
    }),
  );
  addThirdPartyCaveats(m, options.thirdPartyCaveats);
  return CapabilityToken.fromBytes('macaroon', exportBinary(m));
}
