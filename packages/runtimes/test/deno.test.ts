import { ENTRIES, bundle, runCli } from '../src/index.js';
import { runtimeSuite } from './suite.js';

// Deno from the registry's `deno` package, once, with no permission, on the bundle made
// with Deno's export condition.
runtimeSuite('Deno', { runtime: /^Deno 2\./, builtinsForThirdParty: true }, async (request) => {
  const b = await bundle('deno', ENTRIES.cli);
  return { result: (await runCli('deno', b.code, request)).result, bundle: b };
});
