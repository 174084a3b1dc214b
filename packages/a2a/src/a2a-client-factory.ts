import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, RestTransportFactory } from '@a2a-js/sdk/client';
import { type A2AFetchOptions, createA2AFetch } from './a2a-fetch.js';

/**
 * The A2A SDK's `ClientFactory` whose JSON-RPC and HTTP+JSON transports send every call
 * through {@link createA2AFetch}: each request proves the calling agent. Cards are still
 * fetched with plain `fetch` (they are public); verify them with `@agent-id/a2a-cards` first.
 *
 * @example
 * ```ts
 * const factory = createA2AClientFactory({ agent: { keyId: me.keyId, keyPair: me.keyPair }, credential });
 * const client = await factory.createFromAgentCard(AgentCard.fromJSON(verifiedCard));
 * ```
 */
export function createA2AClientFactory(options: A2AFetchOptions): ClientFactory {
  const fetchImpl = createA2AFetch(options) as typeof fetch;
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
    }),
  );
}
