import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CapabilityToken } from '../src/index.js';
import { readBlock } from '../src/biscuit/proto/block.js';
import { writeBlock } from '../src/biscuit/proto/block-writer.js';
import { readSerialized } from '../src/biscuit/proto/envelope.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/known-answer/vectors.json', import.meta.url), 'utf8')) as { vectors: Array<{ name: string; format: string; token: string }> };

describe('block writer', () => {
  it.each(vectors.vectors.filter((v) => v.format === 'biscuit').map((v) => [v.name, v.token] as const))('rewrites every block of %s byte for byte', (_name, token) => {
    const { blocks } = readSerialized(CapabilityToken.parse(token).toBytes());
    for (const b of blocks) {
      const view = readBlock(b.block);
      expect(Buffer.from(writeBlock({ facts: view.facts, checks: view.checks, version: view.version })).toString('hex')).toBe(Buffer.from(b.block).toString('hex'));
    }
  });

  it('writes each block from a clean buffer: a block written after a longer one carries nothing of it', () => {
    const { blocks } = readSerialized(CapabilityToken.parse(vectors.vectors.filter((v) => v.format === 'biscuit').at(-1)!.token).toBytes());
    const views = blocks.map((b) => readBlock(b.block));
    const small = { facts: views[0]!.facts.slice(0, 1), checks: [], version: views[0]!.version };
    const alone = Buffer.from(writeBlock(small)).toString('hex');
    for (const v of views) {
      const big = writeBlock({ facts: v.facts, checks: v.checks, version: v.version });
      expect(big.length).toBeGreaterThan(alone.length / 2);
      expect(Buffer.from(writeBlock(small)).toString('hex')).toBe(alone);
    }
    // A block that fails half-way (a lone surrogate as a symbol) leaves nothing behind either.
    expect(() => writeBlock({ facts: [{ name: 'x', terms: [{ kind: 'string', value: 'a' }, { kind: 'string', value: '\uD800' }] }], checks: [], version: 3 })).toThrow(TypeError);
    expect(Buffer.from(writeBlock(small)).toString('hex')).toBe(alone);
  });
});
