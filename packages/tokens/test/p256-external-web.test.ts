import { describe, expect, it, vi } from 'vitest';

vi.mock('../../core/dist/platform/node.js', async () => await import('../../core/dist/platform/web.js'));
const { PLATFORM } = await import('@agent-id/core/internal');
const { expectP256VerdictsAgree } = await import('./p256-variants.js');

describe('P-256 external signatures in other DER forms, on the web platform', () => {
  it('runs on the web platform here', () => {
    expect(PLATFORM).toBe('web');
  });

  it('get biscuit-wasm verdict, sync and async alike', expectP256VerdictsAgree);
});
