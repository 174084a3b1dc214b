import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, run, tempDir } from './helpers.js';

// A Biscuit is minted, attenuated and authorized without WebAssembly: these commands start
// without compiling biscuit-wasm's 2.3 MB module. A preload counts every WebAssembly
// module the process compiles (the real constructor, counted; nothing is stubbed).
const PROBE = `const { Module } = WebAssembly;
let compiled = 0;
WebAssembly.Module = new Proxy(Module, { construct(target, args) { compiled++; return Reflect.construct(target, args); } });
process.on('exit', () => process.stderr.write('\\nwasm modules compiled: ' + compiled + '\\n'));
`;

let tmp: Awaited<ReturnType<typeof tempDir>>;
const did: Record<'org' | 'a0' | 'a1', string> = { org: '', a0: '', a1: '' };
const AUDIENCE = 'did:web:files.example';

beforeAll(async () => {
  tmp = await tempDir();
  await writeFile(tmp.path('probe.mjs'), PROBE);
  for (const n of Object.keys(did) as (keyof typeof did)[]) did[n] = (await cli(['key', 'new', '--out', tmp.path(`${n}.jwk`)])).stdout.trim();
});

afterAll(async () => {
  await tmp.cleanup();
});

/** Runs the CLI with the probe; returns its exit code, output and the modules compiled. */
async function probed(args: readonly string[], input?: string): Promise<{ code: number | null; stdout: string; compiled: number }> {
  const r = await run(process.execPath, ['--import', tmp.path('probe.mjs'), BIN, ...args], input === undefined ? {} : { input });
  const count = /wasm modules compiled: (\d+)/.exec(r.stderr);
  if (!count) throw new Error(`no probe output: ${r.stderr}`);
  return { code: r.code, stdout: r.stdout.trim(), compiled: Number(count[1]) };
}

describe('agent-id token without WebAssembly', () => {
  it('mint, attenuate and authorize a Biscuit compile no WebAssembly module; --datalog and inspect --root do', async () => {
    const mint = await probed([
      'token', 'mint', '--format', 'biscuit', '--root-key', tmp.path('org.jwk'), '--agent', did.a0, '--user', 'alice', '--task', 't',
      '--resource', 'files:/reports/*', '--action', 'read', '--audience', AUDIENCE, '--ttl', '1h', '--max-depth', '2',
    ]);
    expect(mint).toMatchObject({ code: 0, compiled: 0 });
    const hop = await probed(['token', 'attenuate', '-', '--key', tmp.path('a0.jwk'), '--to', did.a1, '--root', did.org], mint.stdout);
    expect(hop).toMatchObject({ code: 0, compiled: 0 });
    const authorize = ['token', 'authorize', '-', '--root', did.org, '--presenter', did.a1, '--resource', 'files:/reports/q3.pdf', '--action', 'read', '--audience', AUDIENCE, '--task', 't'];
    expect(await probed(authorize, hop.stdout)).toMatchObject({ code: 0, compiled: 0 });
    // The probe sees the module when a command needs it.
    expect(await probed([...authorize, '--datalog'], hop.stdout)).toMatchObject({ code: 0, compiled: 1 });
    expect(await probed(['token', 'inspect', '-', '--root', did.org], hop.stdout)).toMatchObject({ code: 0, compiled: 1 });
  });
});
