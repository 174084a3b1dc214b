import { PassThrough, Readable } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../src/context.js';
import { buildProgram, run } from '../src/program.js';
import { cli } from './helpers.js';

function context(input = ''): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const ctx: CliContext = { stdin: Readable.from([input]), stdout, stderr, env: {}, exitCode: 0, stdinUsed: false };
  return { ctx, out: () => out, err: () => err };
}

function paths(command: Command, prefix: string[] = []): string[][] {
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => {
      const path = [...prefix, c.name()];
      return [path, ...paths(c, path)];
    });
}

describe('--help on every command and subcommand (in-process)', async () => {
  const all = paths(await buildProgram(context().ctx));

  it('covers the command groups of the issue', () => {
    const names = all.map((p) => p.join(' '));
    for (const expected of [
      'key new', 'did new web', 'did resolve', 'vc issue', 'vc verify', 'token mint', 'token attenuate', 'token inspect',
      'token authorize', 'token revoke', 'card sign', 'card verify', 'audit verify', 'audit show',
      'key show', 'key secret', 'token discharge', 'token bind', 'vc status', 'vc revoke', 'vc suspend',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it.each(all.map((p) => [p.join(' '), p] as const))('agent-id %s --help', async (_name, path) => {
    const { ctx, out } = context();
    const code = await run([...path, '--help'], ctx);
    expect(code).toBe(0);
    expect(out()).toContain(`Usage: agent-id ${path.join(' ')}`);
  });

  it('leaf commands all offer --json', async () => {
    const program = await buildProgram(context().ctx);
    const leaves = all.filter((p) => {
      let c: Command | undefined = program;
      for (const name of p) c = c?.commands.find((x) => x.name() === name);
      return c !== undefined && c.commands.length === 0;
    });
    expect(leaves.length).toBeGreaterThanOrEqual(14);
    for (const p of leaves) {
      const { ctx, out } = context();
      await run([...p, '--help'], ctx);
      expect(out(), p.join(' ')).toContain('--json');
    }
  });

  it('a usage error is exit 2, in JSON too, printed once', async () => {
    const { ctx, out, err } = context();
    expect(await run(['token', 'mint', '--json'], ctx)).toBe(2);
    expect(JSON.parse(out())).toMatchObject({ ok: false, error: { code: 'missing_option', check: '--format' } });
    expect(err().trim().split('\n')).toHaveLength(1);
    const unknown = context();
    expect(await run(['frobnicate', '--json'], unknown.ctx)).toBe(2);
    expect(JSON.parse(unknown.out())).toMatchObject({ ok: false, error: { code: 'usage', check: 'command' } });
    const group = context();
    expect(await run(['token'], group.ctx)).toBe(2);
    expect(group.err()).toContain('Usage: agent-id token');
    expect(group.err()).toContain('(code: usage, check: command)');
  });

  it('reads a TOKEN argument from standard input in-process: blank input is refused', async () => {
    const { ctx, out } = context('   \n');
    expect(await run(['token', 'inspect', '-', '--root', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', '--json'], ctx)).toBe(1);
    expect(JSON.parse(out())).toMatchObject({ ok: false, error: { code: 'malformed_input', check: 'parse' } });
  });

  it('marks the options token mint requires "(required)" in --help, and only those', async () => {
    const { ctx, out } = context();
    expect(await run(['token', 'mint', '--help'], ctx)).toBe(0);
    const program = await buildProgram(context().ctx);
    const mint = program.commands.find((c) => c.name() === 'token')!.commands.find((c) => c.name() === 'mint')!;
    const mandatory = mint.options.filter((o) => o.mandatory).map((o) => o.long);
    expect(mandatory).toEqual(['--format', '--agent', '--user', '--task', '--resource', '--action', '--audience']);
    // Each option's help entry runs from its flags to the next option's.
    const entries = out().split(/\n(?= {2}-)/);
    for (const option of mint.options) {
      const entry = entries.find((e) => e.trimStart().startsWith(option.flags))!;
      expect(entry, option.flags).toBeDefined();
      expect(/\(required\)/.test(entry), option.flags).toBe(option.mandatory);
    }
  });
});

describe('the built binary', () => {
  it('agent-id --help and --version', async () => {
    const [help, version, group] = await Promise.all([cli(['--help']), cli(['--version']), cli(['token'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('Usage: agent-id token');
  });
});
