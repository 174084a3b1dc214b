export { buildProgram, run } from './program.js';
export { type CliContext, processContext } from './context.js';
export { EXIT, UsageError, type UsageCode } from './exit.js';
