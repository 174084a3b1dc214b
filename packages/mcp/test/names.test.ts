import { isCanonicalResource, resourceMatches } from '@agent-id/core';
import { expectCode, junkValues } from '@agent-id/test-support';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapMcpMessages, mcpRequestMapper, mcpResourceOf } from '../src/index.js';

const names = fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom('a', 'b', '_', '-', '.', '*', '%', '/', ':', ' ', 'é', '~', '2') });

describe('mcpResourceOf', () => {
  it('names the server, its tools, prompts and resources', () => {
    expect(mcpResourceOf('orders')).toBe('mcp:orders');
    expect(mcpResourceOf('orders', 'tools', 'query_orders')).toBe('mcp:orders/tools/query_orders');
    expect(mcpResourceOf('orders', 'prompts', 'a b*')).toBe('mcp:orders/prompts/a%20b%2A');
    expect(mcpResourceOf('orders', 'resources', 'orders://42')).toBe('mcp:orders/resources/orders/42');
    expect(mcpResourceOf('orders', 'resources', 'FILE:///a/b.txt')).toBe('mcp:orders/resources/file/localhost/a/b.txt');
    expect(mcpResourceOf('orders', 'resources', 'https://Api.Example/x/{id}')).toBe('mcp:orders/resources/https/api.example/x/%7Bid%7D');
  });

  it('refuses names with no canonical form, and junk of every type', () => {
    for (const name of ['', '.', '..', 'a/b', '\uD800', 'x'.repeat(1025)]) expectCode(() => mcpResourceOf('orders', 'tools', name), 'malformed_input', 'mcp_name');
    for (const uri of ['orders:42', 'orders://42?x=1', 'orders://42#f', 'orders:///42', 'orders://42//a', 'orders://42/../a', 'orders://42/./a']) {
      expectCode(() => mcpResourceOf('orders', 'resources', uri), 'malformed_input', 'mcp_name');
    }
    for (const junk of junkValues) {
      if (typeof junk === 'string' && junk !== '' && junk.length <= 1024 && !['.', '..'].includes(junk) && !junk.includes('/') && junk !== '\uD800') continue;
      expectCode(() => mcpResourceOf('orders', 'tools', junk as string), 'malformed_input', 'mcp_name');
    }
    for (const id of ['', 'a/b', 'a b', 'x'.repeat(129), 5]) expect(() => mcpResourceOf(id as string)).toThrow(TypeError);
  });

  it('property: tool names map one to one onto canonical resources, and one name never matches another name\'s grant', () => {
    fc.assert(
      fc.property(names, names, (a, b) => {
        let ra: string;
        let rb: string;
        try {
          ra = mcpResourceOf('orders', 'tools', a);
          rb = mcpResourceOf('orders', 'tools', b);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('malformed_input');
          return;
        }
        expect(isCanonicalResource(ra)).toBe(true);
        expect(ra === rb).toBe(a === b);
        // A grant of exactly b (even one ending in *) covers a only when a is b.
        expect(resourceMatches(rb, ra)).toBe(a === b);
        // A wildcard under the tools of the server covers every tool, and nothing of another kind.
        expect(resourceMatches('mcp:orders/tools/*', ra)).toBe(true);
        expect(resourceMatches('mcp:orders/prompts/*', ra)).toBe(false);
      }),
    );
  });
});

describe('mapMcpMessages', () => {
  const options = { serverId: 'orders' };

  it('property: every item request of a batch is mapped to its own item, in order; the rest to connect', () => {
    const message = fc.oneof(
      fc.record({ kind: fc.constant('tool' as const), name: names }),
      fc.record({ kind: fc.constant('other' as const), name: fc.constantFrom('ping', 'tools/list', 'initialize', 'notifications/initialized') }),
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 32 }), (batch) => {
        const body = batch.map((m, id) => (m.kind === 'tool' ? { jsonrpc: '2.0', id, method: 'tools/call', params: { name: m.name } } : { jsonrpc: '2.0', id, method: m.name }));
        let mapped: ReturnType<typeof mapMcpMessages>;
        try {
          mapped = mapMcpMessages(body, options);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('malformed_input');
          expect(batch.some((m) => m.kind === 'tool' && (m.name.includes('/') || m.name === '.' || m.name === '..'))).toBe(true);
          return;
        }
        expect(mapped).toHaveLength(batch.length);
        batch.forEach((m, i) => {
          expect(mapped[i]!.mapped).toEqual(m.kind === 'tool' ? { action: 'call', resource: mcpResourceOf('orders', 'tools', m.name) } : { action: 'connect', resource: 'mcp:orders' });
        });
      }),
    );
  });

  it('maps completions to what their ref needs, and refuses junk messages', () => {
    expect(mapMcpMessages({ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'p' } } }, options)[0]!.mapped).toEqual({ action: 'get', resource: 'mcp:orders/prompts/p' });
    expect(mapMcpMessages({ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'orders://{id}' } } }, options)[0]!.mapped).toEqual({
      action: 'read',
      resource: 'mcp:orders/resources/orders/%7Bid%7D',
    });
    expectCode(() => mapMcpMessages({ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: {} }, options), 'malformed_input', 'jsonrpc');
    for (const junk of junkValues) {
      if (junk === undefined) continue;
      expectCode(() => mapMcpMessages(junk, options), 'malformed_input');
      expectCode(() => mapMcpMessages([junk], options), 'malformed_input');
      if (typeof junk !== 'string') expectCode(() => mapMcpMessages({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: junk } }, options), 'malformed_input');
      if (typeof junk !== 'string' && !Number.isSafeInteger(junk)) expectCode(() => mapMcpMessages({ jsonrpc: '2.0', id: junk, method: 'ping' }, options), 'malformed_input', 'jsonrpc');
    }
    expect(mcpRequestMapper({ ...options, task: 't' })({ method: 'POST', path: '/mcp', query: new URLSearchParams(), header: () => undefined, body: { jsonrpc: '2.0', method: 'ping' } })).toEqual({
      action: 'connect',
      resource: 'mcp:orders',
      task: 't',
    });
  });
});
