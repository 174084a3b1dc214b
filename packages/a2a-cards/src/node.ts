/**
 * The parts of @agent-id/a2a-cards that need Node: serving a card with `node:http`.
 * Everything else (sign, verify, trust policy, fetch and verify) is in
 * `@agent-id/a2a-cards`, which runs on any runtime.
 *
 * @module node
 */
export { agentCardHandler, type AgentCardHandlerOptions, type AgentCardRequestHandler } from './agent-card-handler.js';
export { serveAgentCard, type AgentCardServer, type ServeAgentCardOptions } from './serve-agent-card.js';
