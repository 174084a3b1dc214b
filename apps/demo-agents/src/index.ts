export { runScenario, type AuditLogSummary, type Outcome, type ScenarioOptions, type ScenarioResult, type StepResult } from './scenario.js';
export { Trace, formatTraceEvent, type TraceEvent, type TraceKind } from './trace.js';
export { toolServerRouter, type ToolHandler } from './lib/tool-server.js';
export { invokeTool, type InvokeToolOptions, type ToolDecision, type ToolRequest } from './lib/tool-client.js';
export { CAPABILITY_METADATA_KEY, TASK_METADATA_KEY, capabilityMetadata, capabilityOf, dataMessage, dataOf } from './lib/a2a-capability.js';
export { listenLoopback, type LoopbackServer } from './lib/http.js';
