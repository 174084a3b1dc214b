import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Scope,
  assertCanonicalResources,
  assertNarrows,
  assertPermits,
  canonicalResourcePath,
  isCanonicalPattern,
  isCanonicalResource,
  patternWithin,
  resourceMatches,
} from '../src/index.js';
import { expectCode } from '@agent-id/test-support';

// Hierarchical resources: a prefix pattern grants only names in canonical form, so no
// spelling of a path (dot segments, encoded dots or separators, backslashes, control
// characters, empty segments) can reach outside the prefix.

const TRAVERSALS = [
  'files:/reports/../hr/salaries.xlsx',
  'files:/reports/%2e%2e/hr',
  'files:/reports/%2E%2E/hr',
  'files:/reports/.%2e/hr',
  'files:/reports/%2e./hr',
  'files:/reports/..%2fhr',
  'files:/reports/..%2Fhr',
  'files:/reports/%2fetc/passwd',
  'files:/reports/..%5chr',
  'files:/reports/..%5Chr',
  'files:/reports/..\\hr',
  'files:/reports/a\\..\\..\\hr',
  'files:/reports/./q3.pdf',
  'files:/reports/.',
  'files:/reports/..',
  'files:/reports//etc',
  'files:/reports/..;/hr',
  'files:/reports/.;x/hr',
  'files:/reports/%c0%ae%c0%ae/hr',
  'files:/reports/%C0%AE%C0%AE/hr',
  'files:/reports/%E0%80%AE/hr',
  'files:/reports/%2%2e/hr',
  'files:/reports/q3\u0000.pdf',
  'files:/reports/q3\n.pdf',
  'files:/reports/q3\u0085.pdf',
  'files:/reports/%00',
  'files:/reports/%0A',
  'files:/reports/%C2%85',
  'files:/reports/%7E',
  'files:/reports/%41',
  'files:/reports/%2d',
  'files:/reports/%zz',
  'files:/reports/%',
  'files:/reports/%e2%82%ac',
];

describe('isCanonicalResource', () => {
  it('accepts names in canonical form', () => {
    for (const ok of [
      'files:/reports/q3.pdf',
      'files:/reports/',
      'files:/reports/q3/..hidden',
      'files:/reports/...',
      'files:/reports/.hidden',
      'files:/reports/a%20b.pdf',
      'files:/reports/%E2%82%AC.pdf',
      'files:/reports/100%25.pdf',
      'db:orders',
      'db:a..b',
      'https://api.example/v1/items',
      'file:///etc/hosts',
      'https://api.example',
      'other',
      '/a/b',
      '',
    ]) {
      expect(isCanonicalResource(ok), ok).toBe(true);
    }
  });

  it('refuses every spelling that is not the canonical one', () => {
    for (const bad of [...TRAVERSALS, 'https://../x', 'https://host/../x', 'https://host//x', 'file:///..', 'a//b', '..', './a']) {
      expect(isCanonicalResource(bad), bad).toBe(false);
    }
  });
});

describe('a prefix pattern grants only canonical names', () => {
  it.each(TRAVERSALS)('files:/reports/* does not grant %j', (resource) => {
    expect(resourceMatches('files:/reports/*', resource)).toBe(false);
    expect(resourceMatches('files:/*', resource)).toBe(false);
    expect(resourceMatches('*', resource)).toBe(false);
    // ...but a grant of exactly that name does.
    expect(resourceMatches(resource, resource)).toBe(true);
  });

  it('assertPermits refuses them with denied, check resource_form; with no prefix around, check resources', () => {
    const scope: Scope = { resources: ['files:/reports/*', 'files:/reports/../odd'], actions: ['read'], audience: ['did:web:api'], expiresAt: 2_000_000_000, maxDepth: 1 };
    const ask = (resource: string) => () => assertPermits(scope, { resource, action: 'read', audience: 'did:web:api' }, 1_900_000_000);
    for (const resource of TRAVERSALS) expectCode(ask(resource), 'denied', 'resource_form');
    expectCode(ask('db:a//b'), 'denied', 'resources');
    expectCode(ask('files:/hr/salaries.xlsx'), 'denied', 'resources');
    expect(() => ask('files:/reports/q3.pdf')()).not.toThrow();
    // A grant of exactly the non-canonical name is a grant of that name.
    expect(() => ask('files:/reports/../odd')()).not.toThrow();
  });

  it('property: no generated path with traversal is granted by a prefix unless it canonicalises inside the prefix', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', '%2e%2e', '%2E%2E', '.%2e', '%2e', '..;', '..\\..', '%2f', '%5c', '%c0%ae%c0%ae', 'hr', 'reports', 'q3', 'a.pdf', '..x', '%41', '\u0000', '%00'),
      fc.stringMatching(/^[A-Za-z0-9._~%/-]{0,6}$/),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const path = `/reports/${segments.join('/')}`;
        const resource = `files:${path}`;
        if (!resourceMatches('files:/reports/*', resource)) return;
        // Granted: it is canonical, and so its own canonical form, inside the prefix.
        expect(isCanonicalResource(resource)).toBe(true);
        expect(canonicalResourcePath('files', path)).toBe(resource);
        expect(canonicalResourcePath('files', path).startsWith('files:/reports/')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: whatever a URL path canonicalises to, a prefix grants it exactly when it lies under the prefix', () => {
    const segment = fc.oneof(fc.constantFrom('..', '.', '%2e%2e', '%2E', 'hr', 'reports', 'q3', '%41%42', '%e2%82%ac', '~x'), fc.stringMatching(/^[A-Za-z0-9._~-]{1,5}$/));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const resource = canonicalResourcePath('files', `/${segments.join('/')}`);
        expect(isCanonicalResource(resource)).toBe(true);
        expect(resourceMatches('files:/reports/*', resource)).toBe(resource.startsWith('files:/reports/'));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('canonicalResourcePath', () => {
  it.each([
    ['/reports/q3.pdf', 'files:/reports/q3.pdf'],
    ['/reports/../hr/salaries.xlsx', 'files:/hr/salaries.xlsx'],
    ['/reports/%2e%2e/hr', 'files:/hr'],
    ['/reports/%2E%2E/hr', 'files:/hr'],
    ['/reports/.%2e/hr', 'files:/hr'],
    ['/a/./b/../c', 'files:/a/c'],
    ['/a/b/..', 'files:/a/'],
    ['/a/b/.', 'files:/a/b/'],
    ['/../../etc/passwd', 'files:/etc/passwd'],
    ['/', 'files:/'],
    ['/reports/', 'files:/reports/'],
    ['/%7Euser/%41%62c', 'files:/~user/Abc'],
    ['/a%20b/%e2%82%ac', 'files:/a%20b/%E2%82%AC'],
    ['/100%25', 'files:/100%25'],
  ])('%j → %j', (path, resource) => {
    expect(canonicalResourcePath('files', path)).toBe(resource);
    expect(isCanonicalResource(resource)).toBe(true);
  });

  it.each([
    'reports/q3.pdf',
    '',
    '/reports/..%2fhr',
    '/reports/%2F',
    '/reports/%5c',
    '/reports/..\\hr',
    '/reports//x',
    '//reports',
    '/reports/%00',
    '/reports/%0a',
    '/reports/%C2%85',
    '/reports/\u0000',
    '/reports/%c0%ae%c0%ae/hr',
    '/reports/%zz',
    '/reports/%',
    '/reports/..;/hr',
    '/reports/?x',
    '/reports/#x',
  ])('%j is malformed_input (check resource)', (path) => {
    expectCode(() => canonicalResourcePath('files', path), 'malformed_input', 'resource');
  });

  it('a scheme that is not RFC 3986 syntax is a caller bug', () => {
    for (const scheme of ['', '1x', 'a b', 'files:']) expect(() => canonicalResourcePath(scheme, '/x')).toThrow(TypeError);
  });
});

describe('scope resources are checked the same way', () => {
  it('isCanonicalPattern and assertCanonicalResources', () => {
    for (const ok of ['files:/reports/*', 'files:/reports/.*', 'files:/*', '*', 'db:orders', 'https://api.example/*']) expect(isCanonicalPattern(ok), ok).toBe(true);
    for (const bad of ['files:/a/../b/*', 'files:/a//*', 'files:/%2e%2e/*', 'files:/a\\*', 'files:/reports/../hr/x', 'files:/a/%2F*']) {
      expect(isCanonicalPattern(bad), bad).toBe(false);
      expectCode(() => assertCanonicalResources(['db:orders', bad], 'capability'), 'malformed_input', 'resource');
    }
    expect(() => assertCanonicalResources(['files:/reports/*', 'db:orders'])).not.toThrow();
  });

  it('narrowing to a non-canonical name or pattern under a prefix is a widening', () => {
    const parent: Scope = { resources: ['files:/reports/*'], actions: ['read'], audience: ['did:web:api'], expiresAt: 2_000_000_000, maxDepth: 2 };
    for (const child of ['files:/reports/../hr/*', 'files:/reports/../hr/pay.xlsx', 'files:/reports/%2e%2e/hr', 'files:/reports//x', 'files:/reports/..\\hr']) {
      expect(patternWithin(child, 'files:/reports/*'), child).toBe(false);
      expectCode(() => assertNarrows(parent, { ...parent, resources: [child], maxDepth: 1 }), 'scope_widened', 'resources');
    }
    expect(patternWithin('files:/reports/q3/*', 'files:/reports/*')).toBe(true);
    // An exact parent passes on only itself, whatever its form.
    expect(patternWithin('files:/a/../b', 'files:/a/../b')).toBe(true);
  });
});
