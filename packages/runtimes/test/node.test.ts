import { runChecks } from '../runtime/checks.js';
import { runtimeSuite } from './suite.js';

// The checks in this very process (the machine's Node; CI runs the suite again on every
// other supported line), through the libraries' `node` builds.
runtimeSuite('Node', { runtime: /^Node v\d+\./ }, async (request) => ({ result: await runChecks(request) }));
