import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SCOPE_LIMITS,
  assertCapabilityRequest,
  assertNarrows,
  assertPermits,
  assertScope,
  type CapabilityRequest,
  narrowScope,
  patternWithin,
  resourceMatches,
  type Scope,
  scopePermits,
} from '../src/index.js';
import { expectCode } from '@agent-id/test-support';

const parent: Scope = {
  resources: ['files:/reports/*', 'db:orders'],
  actions: ['read', 'write'],
  audience: ['did:web:api.example', 'did:web:files.example'],
  expiresAt: 2_000_000_000,
  maxDepth: 3,
};

describe('patterns', () => {
  it('resourceMatches: exact or trailing-* prefix', () => {
    expect(resourceMatches('files:/reports/*', 'files:/reports/q3.pdf')).toBe(true);
    expect(resourceMatches('files:/reports/*', 'files:/reports/')).toBe(true);
    expect(resourceMatches('files:/reports/*', 'files:/report')).toBe(false);
    expect(resourceMatches('files:/reports/*', 'files:/secrets/x')).toBe(false);
    expect(resourceMatches('db:orders', 'db:orders')).toBe(true);
    expect(resourceMatches('db:orders', 'db:orders2')).toBe(false);
    expect(resourceMatches('db:*', 'db:orders')).toBe(true);
    expect(resourceMatches('*', 'anything')).toBe(true);
    expect(resourceMatches('db:ord*s', 'db:orders')).toBe(false);
  });

  it('patternWithin: child denotes a subset of parent', () => {
    expect(patternWithin('files:/reports/q3/*', 'files:/reports/*')).toBe(true);
    expect(patternWithin('files:/reports/q3.pdf', 'files:/reports/*')).toBe(true);
    expect(patternWithin('files:/reports/*', 'files:/reports/*')).toBe(true);
    expect(patternWithin('files:/*', 'files:/reports/*')).toBe(false);
    expect(patternWithin('files:/reports*', 'files:/reports/*')).toBe(false);
    expect(patternWithin('db:orders/*', 'db:orders')).toBe(false);
    expect(patternWithin('db:orders', 'db:orders')).toBe(true);
    expect(patternWithin('*', 'db:*')).toBe(false);
  });
});

describe('assertNarrows', () => {
  it('accepts a proper narrowing', () => {
    assertNarrows(parent, narrowScope(parent, { actions: ['read'], resources: ['files:/reports/q3/*'] }));
    assertNarrows(parent, narrowScope(parent, {}));
    assertNarrows(parent, { resources: ['db:orders'], actions: ['read'], audience: ['did:web:api.example'], expiresAt: 0, maxDepth: 0 });
  });

  it.each([
    ['resources', { resources: ['files:/*'] }],
    ['resources', { resources: ['db:orders', 'db:users'] }],
    ['actions', { actions: ['read', 'delete'] }],
    ['audience', { audience: ['did:web:evil.example'] }],
    ['expiry', { expiresAt: parent.expiresAt + 1 }],
    ['depth', { maxDepth: parent.maxDepth }],
    ['depth', { maxDepth: SCOPE_LIMITS.maxDepth }],
  ] as [string, Partial<Scope>][])('widening %s is scope_widened with that check', (check, widening) => {
    expectCode(() => assertNarrows(parent, narrowScope(parent, widening)), 'scope_widened', check);
  });

  it('a parent with depth 0 allows no hop: depth_exceeded', () => {
    const leaf = { ...parent, maxDepth: 0 };
    expectCode(() => assertNarrows(leaf, narrowScope(leaf, { maxDepth: 0 })), 'depth_exceeded', 'depth');
    expectCode(() => assertNarrows(leaf, { ...leaf, actions: ['read'] }), 'depth_exceeded');
  });

  it.each([
    ['maxDepth missing', { maxDepth: undefined }],
    ['maxDepth NaN', { maxDepth: Number.NaN }],
    ['maxDepth a string', { maxDepth: '2' }],
    ['maxDepth fractional', { maxDepth: 1.5 }],
    ['maxDepth negative', { maxDepth: -1 }],
    ['expiresAt NaN', { expiresAt: Number.NaN }],
    ['expiresAt a string', { expiresAt: '2030-01-01' }],
    ['actions a string', { actions: 'read' }],
    ['resources with a number', { resources: [1] }],
    ['audience missing', { audience: undefined }],
    ['an empty resources list', { resources: [] }],
    ['an empty actions list', { actions: [] }],
    ['an empty audience list', { audience: [] }],
    ['an empty string', { actions: ['read', ''] }],
    ['a duplicate action', { actions: ['read', 'read'] }],
    ['a lone surrogate', { resources: ['files:/\uD800'] }],
    ['a resource too long', { resources: ['r'.repeat(SCOPE_LIMITS.maxTextLength + 1)] }],
    ['too many audiences', { audience: Array.from({ length: SCOPE_LIMITS.maxEntries + 1 }, (_, i) => `did:web:a${i}`) }],
    ['expiresAt fractional', { expiresAt: 1.5 }],
    ['expiresAt past year 9999', { expiresAt: SCOPE_LIMITS.maxExpiresAt + 1 }],
    ['maxDepth above the limit', { maxDepth: SCOPE_LIMITS.maxDepth + 1 }],
  ])('a child with %s is malformed_input (a NaN depth would never run out)', (_name, patch) => {
    const child = { ...narrowScope(parent, {}), ...patch } as unknown as Scope;
    expectCode(() => assertNarrows(parent, child), 'malformed_input', 'scope');
    expectCode(() => assertNarrows(child, narrowScope(parent, { maxDepth: 0 })), 'malformed_input', 'scope');
  });

  it('assertScope refuses non-objects', () => {
    for (const bad of [null, undefined, 5, 'scope', [parent]]) expectCode(() => assertScope(bad), 'malformed_input', 'scope');
    assertScope(parent);
  });
});

describe('assertScope', () => {
  it('accepts the bounds themselves', () => {
    assertScope({
      resources: Array.from({ length: SCOPE_LIMITS.maxEntries }, (_, i) => `r${i}`),
      actions: ['a'.repeat(SCOPE_LIMITS.maxTextLength)],
      audience: ['did:web:a'],
      expiresAt: SCOPE_LIMITS.maxExpiresAt,
      maxDepth: SCOPE_LIMITS.maxDepth,
    });
  });

  it('names the scope in its messages', () => {
    expect(expectCode(() => assertScope({ ...parent, actions: [] }, 'hop 2'), 'malformed_input', 'scope').message).toMatch(/^hop 2\.actions /);
  });
});

describe('assertPermits: one coded decision per scope', () => {
  const request: CapabilityRequest = { resource: 'files:/reports/q3.pdf', action: 'read', audience: 'did:web:api.example' };
  const at = parent.expiresAt - 1;

  it('passes a request within the scope, and refuses with the code of the failed check', () => {
    assertPermits(parent, request, at);
    expectCode(() => assertPermits(parent, request, parent.expiresAt), 'expired', 'expiry');
    expectCode(() => assertPermits(parent, { ...request, audience: 'did:web:other' }, at), 'wrong_audience', 'audience');
    expectCode(() => assertPermits(parent, { ...request, action: 'delete' }, at), 'denied', 'actions');
    expectCode(() => assertPermits(parent, { ...request, resource: 'files:/secrets/k' }, at), 'denied', 'resources');
  });

  it('checks expiry, then audience, then action, then resource', () => {
    const all = { resource: 'files:/secrets/k', action: 'delete', audience: 'did:web:other' };
    expectCode(() => assertPermits(parent, all, parent.expiresAt), 'expired');
    expectCode(() => assertPermits(parent, all, at), 'wrong_audience');
    expectCode(() => assertPermits(parent, { ...all, audience: request.audience }, at), 'denied', 'actions');
    expectCode(() => assertPermits(parent, { ...all, audience: request.audience, action: 'read' }, at), 'denied', 'resources');
  });

  it('names the scope in its messages', () => {
    expect(expectCode(() => assertPermits(parent, request, parent.expiresAt, 'hop 3'), 'expired').message).toBe('hop 3 expired at 2033-05-18T03:33:20.000Z');
  });

  it('refuses a malformed scope or request before deciding', () => {
    expectCode(() => assertPermits({ ...parent, actions: [] }, request, at), 'malformed_input', 'scope');
    expectCode(() => assertPermits(parent, { ...request, action: '' }, at), 'malformed_input', 'request');
    expectCode(() => assertPermits(parent, { ...request, resource: 5 as unknown as string }, at), 'malformed_input', 'request');
    expect(() => assertPermits(parent, null as unknown as CapabilityRequest, at)).toThrow(TypeError);
  });
});

describe('assertCapabilityRequest', () => {
  it('needs non-empty, well-formed resource, action and audience, and a string task when given', () => {
    assertCapabilityRequest({ resource: 'r', action: 'a', audience: 'd' });
    assertCapabilityRequest({ resource: 'r', action: 'a', audience: 'd', task: '' });
    for (const bad of [{ resource: '' }, { action: 'a'.repeat(SCOPE_LIMITS.maxTextLength + 1) }, { audience: '\uDC00' }, { task: 5 }, { task: '\uD800' }]) {
      expectCode(() => assertCapabilityRequest({ resource: 'r', action: 'a', audience: 'd', ...bad } as CapabilityRequest), 'malformed_input', 'request');
    }
  });
});

describe('scopePermits', () => {
  const request: CapabilityRequest = { resource: 'files:/reports/q3.pdf', action: 'read', audience: 'did:web:api.example' };

  it('checks expiry, audience, action and resource', () => {
    expect(scopePermits(parent, request, parent.expiresAt - 1)).toBe(true);
    expect(scopePermits(parent, request, parent.expiresAt)).toBe(false);
    expect(scopePermits(parent, { ...request, audience: 'did:web:other' }, 0)).toBe(false);
    expect(scopePermits(parent, { ...request, action: 'delete' }, 0)).toBe(false);
    expect(scopePermits(parent, { ...request, resource: 'files:/secrets/k' }, 0)).toBe(false);
    expect(scopePermits(parent, { ...request, resource: 'db:orders', action: 'write' }, 0)).toBe(true);
  });

  it('a malformed scope is malformed_input, not a substring match', () => {
    const bad = { ...parent, actions: 'readwrite' } as unknown as Scope;
    expectCode(() => scopePermits(bad, { ...request, action: 'read' }, 0), 'malformed_input', 'scope');
  });
});

describe('narrowing property', () => {
  const segment = fc.constantFrom('a', 'b', 'c');
  const resource = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `r:/${parts.join('/')}`);
  const pattern = fc.oneof(resource, resource.map((r) => `${r}/*`), fc.constant('r:/*'));
  const action = fc.constantFrom('read', 'write', 'delete', 'list');
  const aud = fc.constantFrom('did:web:a', 'did:web:b', 'did:web:c');
  const scope = fc.record({
    resources: fc.uniqueArray(pattern, { minLength: 1, maxLength: 4 }),
    actions: fc.uniqueArray(action, { minLength: 1, maxLength: 4 }),
    audience: fc.uniqueArray(aud, { minLength: 1, maxLength: 3 }),
    expiresAt: fc.integer({ min: 0, max: 1000 }),
    maxDepth: fc.integer({ min: 0, max: 6 }),
  });
  const request = fc.record({ resource: fc.oneof(resource, pattern), action, audience: aud });

  /** A step: a random scope (usually refused), or a narrowing derived from the current scope. */
  const step = fc.oneof(
    scope.map((s) => ({ kind: 'random' as const, s })),
    fc.record({ mask: fc.nat(), refine: fc.nat(), cut: fc.nat(1000), drop: fc.integer({ min: 1, max: 2 }) }).map((d) => ({ kind: 'derive' as const, ...d })),
  );
  /** The entries of `xs` selected by `mask`, never none (a scope's lists are never empty). */
  const subset = <T>(xs: readonly T[], mask: number): T[] => {
    const picked = xs.filter((_, i) => (mask >> i) & 1);
    return picked.length > 0 ? picked : xs.slice(0, 1);
  };
  const derive = (from: Scope, d: { mask: number; refine: number; cut: number; drop: number }): Scope => {
    const pick = <T>(xs: readonly T[]) => subset(xs, d.mask);
    return {
      // Refine some wildcard patterns into narrower ones (a sub-prefix or one exact name).
      // (Refining can repeat an entry already picked: a scope lists each once.)
      resources: [...new Set(pick(from.resources).map((r, i) => (r.endsWith('*') && (d.refine >> i) & 1 ? `${r.slice(0, -1)}${i % 2 ? 'a/*' : 'b'}` : r)))],
      actions: pick(from.actions),
      audience: pick(from.audience),
      expiresAt: Math.min(from.expiresAt, d.cut),
      maxDepth: Math.max(0, from.maxDepth - d.drop),
    };
  };

  it('whatever the last accepted scope permits, every earlier scope permits', () => {
    let accepted = 0;
    fc.assert(
      fc.property(scope, fc.array(step, { maxLength: 8 }), fc.array(request, { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 1000 }), (root, steps, requests, at) => {
        const chain: Scope[] = [root];
        for (const st of steps) {
          const candidate = st.kind === 'random' ? st.s : derive(chain.at(-1)!, st);
          try {
            assertNarrows(chain.at(-1)!, candidate);
            chain.push(candidate);
            accepted++;
          } catch (e) {
            expect((e as { code?: string }).code).toMatch(/^(scope_widened|depth_exceeded)$/);
          }
        }
        const last = chain.at(-1)!;
        for (const req of [...requests, ...last.resources.map((resource) => ({ resource, action: last.actions[0] ?? 'read', audience: last.audience[0] ?? 'did:web:a' }))]) {
          if (!scopePermits(last, req, at)) continue;
          for (const earlier of chain) expect(scopePermits(earlier, req, at)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it('narrowing built from subsets of the parent is always accepted', () => {
    fc.assert(
      fc.property(scope, fc.nat(), fc.nat(1000), (root, mask, cut) => {
        fc.pre(root.maxDepth >= 1);
        const pick = <T>(xs: readonly T[]) => subset(xs, mask);
        const child = narrowScope(root, { resources: pick(root.resources), actions: pick(root.actions), audience: pick(root.audience), expiresAt: Math.min(root.expiresAt, cut) });
        assertNarrows(root, child);
        expect(child.maxDepth).toBe(root.maxDepth - 1);
      }),
    );
  });
});
