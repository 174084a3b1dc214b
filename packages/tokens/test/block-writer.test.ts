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
});
