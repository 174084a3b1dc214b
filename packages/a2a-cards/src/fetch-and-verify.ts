import { HostMismatchError, MalformedInputError, UnreachableError } from '@agent-id/core';
import { type DidResolver, fetchBounded, isLoopbackHost } from '@agent-id/did';
import { DEFAULT_MAX_CARD_BYTES, optionsObject } from './prepare.js';
import type { TrustPolicy } from './trust-policy.js';
import { type AgentCardVerdict, type VerifyAgentCardOptions, verifyAgentCard } from './verify-agent-card.js';

/**
 * The well-known path of an A2A agent card (A2A specification section 8.2).
 * @example
 * ```ts
 * new URL(AGENT_CARD_PATH, 'https://acme.example').href; // 'https://acme.example/.well-known/agent-card.json'
 * ```
 */
export const AGENT_CARD_PATH = '/.well-known/agent-card.json';

/** Options for {@link fetchAndVerify}. */
export interface FetchAndVerifyOptions extends VerifyAgentCardOptions {
  /** Timeout of the whole request and body read, ms. Default 5,000. */
  timeoutMs?: number;
  /** Fetch over plain HTTP when the host is loopback (tests, demos). Default false: HTTPS only. */
  allowHttpLoopback?: boolean;
  /**
   * Accept a card served from a host that none of its signed interfaces names. Default
   * false: a card re-served by another host is `host_mismatch`, so `url` is never a host
   * the card does not vouch for.
   */
  allowForeignHost?: boolean;
}

/** A verdict plus where the card came from. */
export interface FetchedAgentCardVerdict extends AgentCardVerdict {
  /** The URL the card was read from. */
  url: string;
}

function cardUrl(input: unknown, allowHttpLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(input instanceof URL ? input.href : (input as string));
  } catch {
    throw new MalformedInputError('card URL is not an absolute URL', { check: 'url' });
  }
  if (typeof input !== 'string' && !(input instanceof URL)) throw new MalformedInputError('card URL must be a string or URL', { check: 'url' });
  const httpOk = allowHttpLoopback && url.protocol === 'http:' && isLoopbackHost(url.host);
  if (url.protocol !== 'https:' && !httpOk) throw new MalformedInputError(`card URL must be https (got ${url.protocol})`, { check: 'url' });
  if (url.username || url.password) throw new MalformedInputError('card URL must not carry credentials', { check: 'url' });
  if (url.pathname === '/' || url.pathname === '') url.pathname = AGENT_CARD_PATH;
  url.hash = '';
  return url;
}

/**
 * Fetches a card (from a URL, or from `/.well-known/agent-card.json` when only an origin is
 * given) and verifies it with {@link verifyAgentCard}. HTTPS only (plain HTTP for loopback
 * when allowed); redirects are not followed; the body is read as a stream and cut at
 * `maxCardBytes`; the whole exchange is bounded by `timeoutMs`. An unreachable host, a
 * redirect, an HTTP error or a timeout is `unreachable` (check `fetch`); a body too
 * large `input_too_large`; a body that is not a card `malformed_input`.
 *
 * @example
 * ```ts
 * import { createDidResolver } from '@agent-id/did';
 * import { fetchAndVerify } from '@agent-id/a2a-cards';
 * const verdict = await fetchAndVerify('https://globex.example', createDidResolver(), { signers: [{ did: 'did:web:globex.example' }] });
 * ```
 */
export async function fetchAndVerify(
  url: string | URL,
  resolver: DidResolver,
  policy: TrustPolicy,
  fetchOptions?: FetchAndVerifyOptions,
): Promise<FetchedAgentCardVerdict> {
  const options = optionsObject(fetchOptions);
  const target = cardUrl(url, options.allowHttpLoopback === true);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxCardBytes ?? DEFAULT_MAX_CARD_BYTES;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new MalformedInputError('timeoutMs must be a positive integer', { check: 'options' });
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new MalformedInputError('maxCardBytes must be a positive integer', { check: 'options' });
  const where = target.href;
  const { status, body } = await fetchBounded(target, { timeoutMs, maxBytes, what: `agent card at ${where}` });
  if (status !== 200) throw new UnreachableError(`agent card at ${where} answered HTTP ${status}`, { check: 'fetch' });
  const verdict = await verifyAgentCard(body, resolver, policy, { ...options, maxCardBytes: maxBytes });
  if (!options.allowForeignHost && !verdict.hosts.includes(target.host.toLowerCase())) {
    throw new HostMismatchError(`card served by ${target.host} names none of its interfaces there (${verdict.hosts.join(', ') || 'none'})`, { check: 'card_url' });
  }
  return { ...verdict, url: where };
}
