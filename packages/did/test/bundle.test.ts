import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));

/** The npm packages (name → versions) in a browser bundle of `contents`, from esbuild's metafile. */
async function packagesIn(contents: string): Promise<Map<string, Set<string>>> {
  const result = await build({
    stdin: { contents, resolveDir: here, sourcefile: 'entry.ts', loader: 'ts' },
    absWorkingDir: here,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    outdir: 'out',
    metafile: true,
    logLevel: 'silent',
    tsconfigRaw: {},
  });
  const found = new Map<string, Set<string>>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /node_modules\/\.pnpm\/([^/]+)\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) found.set(m[2]!, (found.get(m[2]!) ?? new Set()).add(m[1]!));
  }
  return found;
}

describe('what a browser bundle of @agent-id/did carries', () => {
  it('verifying and resolving: core and did-resolver, one version of each package, neither did-jwt nor key-did-resolver', async () => {
    const found = await packagesIn('export { createDidResolver, publicKeyFromDidKey, didKeyDocument, verifyOwnershipCredential } from "./src/index.ts";');
    expect([...found].filter(([, versions]) => versions.size > 1)).toEqual([]);
    expect(found.has('did-resolver')).toBe(true);
    for (const name of ['did-jwt', 'key-did-resolver', 'multiformats', 'uint8arrays', '@noble/ciphers']) expect(found.has(name)).toBe(false);
  });

  it('issuing too: the same packages (issuing signs with core, not did-jwt)', async () => {
    const verifying = await packagesIn('export { createDidResolver, verifyOwnershipCredential } from "./src/index.ts";');
    const issuing = await packagesIn('export { createDidResolver, verifyOwnershipCredential, issueOwnershipCredential, createAgentIdentity } from "./src/index.ts";');
    expect([...issuing.keys()].sort()).toEqual([...verifying.keys()].sort());
  });
});
