import { describe, it } from 'vitest';
import { expectP256VerdictsAgree } from './p256-variants.js';

describe('P-256 external signatures in other DER forms, on Node', () => {
  it('get biscuit-wasm verdict, sync and async alike', expectP256VerdictsAgree);
});
