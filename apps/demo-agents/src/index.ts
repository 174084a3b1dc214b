export { runScenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';
export type { Outcome, StepResult } from './steps.js';
export type { AuditLogSummary } from './audit.js';
export { formatSummary } from './summary.js';
export { Trace, describeScope, formatTraceEvent, type TraceEvent, type TraceKind, type TraceParties } from './trace.js';
export { toolServerRouter, type ToolHandler } from './lib/tool-server.js';
export { invokeTool, type ToolDecision, type ToolRequest } from './lib/tool-client.js';
export { CAPABILITY_METADATA_KEY, TASK_METADATA_KEY, capabilityMetadata, capabilityOf, dataMessage, dataOf } from './lib/a2a-capability.js';
export { listenLoopback, type LoopbackServer } from './lib/http.js';
