/**
 * The agent-id console: types shared by the page, its server (`@agent-id/console/node`) and
 * whoever streams events to it (the demo). The page itself is a static build in
 * `dist/page/` (`index.html`, `app.js`, `app.css`) any web server can host.
 *
 * @module
 */
export type { LiveEvent, LiveEventType } from './live-event.js';
export { CONSOLE_CSP } from './csp.js';
