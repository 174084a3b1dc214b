import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({
  // Tests run the sources: `#wasm-files` is the Node one.
  alias: { '#wasm-files': fileURLToPath(new URL('./src/wasm/files-node.ts', import.meta.url)) },
  // These mock the platform, assert what was loaded, or configure and count the process-wide
  // caches and the biscuit-wasm runtime.
  isolated: [
    'test/web-platform.test.ts',
    'test/lazy-wasm.test.ts',
    'test/runtime.test.ts',
    'test/runtime-concurrency.test.ts',
    'test/verification-cache.test.ts',
    'test/audit-path.test.ts',
    'test/web-async-equivalence.test.ts',
    'test/web-shared-buffer.test.ts',
    'test/web-signature-cache.test.ts',
    'test/p256-external-web.test.ts',
    'test/p256-external-node.test.ts',
    'test/chain-cache-trust.test.ts',
  ],
});
