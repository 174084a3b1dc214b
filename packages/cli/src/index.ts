export { buildProgram, run } from './program.js';
export { type CliContext, EXIT, UsageError, processContext } from './context.js';
