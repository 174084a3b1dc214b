import { describe, expect, it } from 'vitest';
import { verifyBiscuit, verifyBiscuitAsync } from '../src/biscuit/chain.js';
import { configureSignatureCache } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { wasmAccepts } from './envelope.js';
import { orgKey } from './helpers.js';
import { p256Variants } from './p256-variants.js';

const outcome = async (run: () => unknown) => {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    return `${(error as { code?: string }).code}/${(error as { check?: string }).check}`;
  }
};

describe('P-256 external signatures in other DER forms, on Node', () => {
  it('get biscuit-wasm verdict, sync and async alike', async () => {
    configureSignatureCache({ maxEntries: 0 });
    const lines: string[] = [];
    for (const [name, bytes] of await p256Variants()) {
      const sync = await outcome(() => verifyBiscuit(bytes, [orgKey.publicKey], DEFAULT_LIMITS));
      const async = await outcome(() => verifyBiscuitAsync(bytes, [orgKey.publicKey], DEFAULT_LIMITS));
      const wasm = await wasmAccepts(bytes);
      lines.push(`${name}: sync ${sync}, async ${async}, wasm ${wasm}`);
      expect(async).toBe(sync);
      expect(sync === 'accepted').toBe(wasm);
    }
    configureSignatureCache();
    console.log(lines.join('\n'));
  });
});
