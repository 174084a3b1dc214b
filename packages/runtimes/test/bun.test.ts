import { ENTRIES, bundle, runCli } from '../src/index.js';
import { runtimeSuite } from './suite.js';

// Bun from `@oven/bun-linux-x64`, once, on the bundle made with Bun's export condition.
runtimeSuite('Bun', { runtime: /^Bun 1\./, builtinsForThirdParty: true }, async (request) => {
  const b = await bundle('bun', ENTRIES.cli);
  return { result: (await runCli('bun', b.code, request)).result, bundle: b };
});
