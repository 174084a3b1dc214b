/**
 * The Content-Security-Policy the console's server sends with the page, and the one to set
 * when hosting `dist/page/` elsewhere. No inline script or style and no eval: every script
 * and style comes from the page's own origin. `connect-src` allows the page's own origin
 * (`/events`, `/audit`), any HTTPS origin (did:web documents, agent cards, status lists
 * the user asks for) and plain HTTP on loopback (local services in development and tests).
 *
 * @example
 * ```ts
 * import { CONSOLE_CSP } from '@agent-id/console';
 * response.headers.set('content-security-policy', CONSOLE_CSP);
 * ```
 */
export const CONSOLE_CSP: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
