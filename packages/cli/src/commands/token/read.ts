/**
 * Reading a token far enough to know which trust root it needs: its format, and the
 * Biscuit root keys from `--root`. Nothing is verified here.
 *
 * @module commands/token/read
 */
import type { PublicKey } from '@agent-id/core';
import { CapabilityToken, type TokenFormat, type TokenInspection, inspectToken } from '@agent-id/tokens';
import { useBaselineWasmCompiler } from '../../biscuit-wasm.js';
import { UsageError } from '../../exit.js';
import { MAX_TOKEN_BYTES } from '../../io/input.js';
import { loadRootPublicKeys } from '../../io/keys.js';

/** The format of a token (Biscuit or Macaroon); a token that does not even parse is refused. */
export function tokenFormat(token: string): TokenFormat {
  return CapabilityToken.parse(token, { maxTokenChars: MAX_TOKEN_BYTES }).format;
}

/** The root keys a Biscuit is read with (`--root`, required for one); none for a Macaroon. */
export async function biscuitRoots(format: TokenFormat, roots: readonly string[] | undefined, purpose: string): Promise<PublicKey[] | undefined> {
  if (format !== 'biscuit') return undefined;
  if (roots === undefined || roots.length === 0) {
    throw new UsageError(`${purpose} a Biscuit token needs --root (the organisation's did:key or JWK file)`, { code: 'missing_option', check: '--root' });
  }
  return loadRootPublicKeys(roots);
}

/**
 * The unverified view of a token (`inspect`): a Biscuit's Datalog is printed when `--root`
 * is given, its chain and hop ids are read either way.
 */
export async function readTokenView(text: string, roots: readonly string[] | undefined): Promise<TokenInspection> {
  const keys = tokenFormat(text) === 'biscuit' && roots !== undefined && roots.length > 0 ? await loadRootPublicKeys(roots) : undefined;
  if (keys !== undefined) await useBaselineWasmCompiler();
  return inspectToken(text, keys !== undefined ? { trustedRoots: keys } : {});
}
