/**
 * The console's server (Node): the static page with its Content-Security-Policy, the live
 * view's event stream and the audit log.
 *
 * @module node
 */
export { consoleHandler, type AuditSource, type ConsoleHandlerOptions, type LiveEventSource } from './console-handler.js';
export { serveConsole, type ConsoleServer, type ServeConsoleOptions } from './serve-console.js';
