import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the sources: `#wasm-files` is the Node one.
  resolve: { alias: { '#wasm-files': fileURLToPath(new URL('./src/wasm/files-node.ts', import.meta.url)) } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 120_000 },
});
