// Packs every library package, installs the tarballs into an empty project with npm (no
// workspace around it), and uses each package by name: proof that each one is importable on
// its own from its packed tarball, with its typings present.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packages = ['core', 'did', 'tokens', 'a2a-cards'];
const work = mkdtempSync(join(tmpdir(), 'agent-id-packed-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
try {
  for (const p of packages) run('pnpm', ['pack', '--pack-destination', packs], join(root, 'packages', p));
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  run('npm', ['init', '-y'], (execFileSync('mkdir', ['-p', app]), app));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], app);
  for (const p of packages) {
    const types = join(app, 'node_modules', '@agent-id', p, 'dist', 'index.d.ts');
    if (!existsSync(types)) throw new Error(`@agent-id/${p}: no typings at dist/index.d.ts`);
  }
  writeFileSync(
    join(app, 'use.mjs'),
    `import { KeyPair, canonicalize } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential, verifyOwnershipCredential } from '@agent-id/did';
import { mintCapability, attenuate, authorize } from '@agent-id/tokens';
import { signAgentCard, canonicalizeAgentCard } from '@agent-id/a2a-cards';
const org = createAgentIdentity(), a = createAgentIdentity(), b = createAgentIdentity();
const vc = await issueOwnershipCredential(org, { agent: a.did });
if ((await verifyOwnershipCredential(vc, createDidResolver(), { trustedIssuers: [org.did] })).agent !== a.did) throw new Error('vc');
const now = Math.floor(Date.now() / 1000);
for (const format of ['biscuit', 'macaroon']) {
  const secret = { id: 's', secret: new Uint8Array(32).fill(1) };
  let t = await mintCapability({ holder: a.did, onBehalfOf: 'user:x', task: 't', resources: ['r/*'], actions: ['read'], audience: ['did:web:s'], expiresAt: now + 60, maxDepth: 2 },
    format === 'biscuit' ? { format, rootKey: org.keyPair, issuer: org.did } : { format, rootSecret: secret, issuer: org.did });
  t = await attenuate(t, { to: b.did, signer: a.keyPair, rootPublicKey: org.keyPair.publicKey });
  const trust = format === 'biscuit' ? { rootPublicKey: org.keyPair.publicKey } : { rootSecrets: secret };
  const r = await authorize(t, { ...trust, presenter: b.did, request: { resource: 'r/1', action: 'read', audience: 'did:web:s', task: 't' } });
  if (r.chain.length !== 2) throw new Error(format);
}
const card = { name: 'a', description: 'b', version: '1', supportedInterfaces: [{ url: 'https://a.example/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  capabilities: { streaming: false }, defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'], skills: [{ id: 's', name: 's', description: 's', tags: ['t'] }] };
if (!signAgentCard(card, org).signatures?.length || !canonicalizeAgentCard(card) || !canonicalize({}) || !KeyPair) throw new Error('card');
console.log('packed packages: ${packages.map((p) => `@agent-id/${p}`).join(', ')} install and work on their own');
`,
  );
  process.stdout.write(run('node', ['use.mjs'], app));
} finally {
  rmSync(work, { recursive: true, force: true });
}
