// Takes the screenshots of the console's views shown in the READMEs (docs/console/*.png at the
// repository root): a real 3-hop token, a signed card, a checkpointed audit log and a live
// delegation tree with a revoked branch, in headless Chromium (playwright-core).
// Usage: node scripts/screenshots.mjs   (after pnpm build; needs /usr/bin/chromium)
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from '@agent-id/test-support/chromium';

const here = fileURLToPath(new URL('..', import.meta.url));
const docs = fileURLToPath(new URL('../../../docs/console/', import.meta.url));
await mkdir(docs, { recursive: true });

// The tests' fixtures (real keys, tokens, cards, audit log), compiled for this script.
const scratch = await mkdtemp(join(tmpdir(), 'console-shots-'));
await build({ entryPoints: [`${here}test/fixtures.ts`], outfile: join(here, 'dist', 'fixtures.shots.mjs'), bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning' });
const fx = await import(pathToFileURL(join(here, 'dist', 'fixtures.shots.mjs')).href);
await rm(join(here, 'dist', 'fixtures.shots.mjs'));
const { serveConsole } = await import('@agent-id/console/node');
const { KeyPair } = await import('@agent-id/core');
const { createAgentIdentity, didKeyFromPublicKey } = await import('@agent-id/did');
const { attenuate, mintCapability } = await import('@agent-id/tokens');

const orgKey = KeyPair.generate();
const agents = [0, 1, 2, 3].map(() => createAgentIdentity());
const now = Math.floor(Date.now() / 1000);
let t = await mintCapability(
  { resources: ['files:/reports/*'], actions: ['read', 'write'], audience: ['did:web:files.example'], expiresAt: now + 3600, maxDepth: 3, holder: agents[0].did, onBehalfOf: 'did:web:acme.example:users:alice', task: 'q3-report' },
  { format: 'biscuit', rootKey: orgKey, issuer: 'did:web:acme.example' },
);
t = await attenuate(t, { to: agents[1].did, signer: agents[0].keyPair, trustedRoots: orgKey.publicKey, narrowing: { actions: ['read'] } });
t = await attenuate(t, { to: agents[2].did, signer: agents[1].keyPair, trustedRoots: orgKey.publicKey, narrowing: { resources: ['files:/reports/q3/*'] } });
t = await attenuate(t, { to: agents[3].did, signer: agents[2].keyPair, trustedRoots: orgKey.publicKey, narrowing: { expiresAt: now + 600 } });

const audit = await fx.auditFixture();
const host = await fx.cardHost();
const planner = createAgentIdentity();
host.set(JSON.stringify({ ...fx.signAgentCard(fx.card(host.origin), planner), 'x-unsigned-note': 'added after signing' }));
const events = fx.eventSource();
const script = [
  { type: 'section', text: 'acme: the orchestrator delegates' },
  { type: 'delegate', from: 'acme', to: 'acme/orchestrator', format: 'biscuit', scope: 'read files:/reports/*', text: 'acme mints a capability for its orchestrator' },
  { type: 'delegate', from: 'acme/orchestrator', to: 'acme/analyst', format: 'biscuit', scope: 'read files:/reports/q3/*', text: 'orchestrator → acme/analyst' },
  { type: 'delegate', from: 'acme/orchestrator', to: 'globex/analyst', format: 'biscuit', scope: 'read files:/reports/q3/*', text: 'orchestrator → globex/analyst, across organisations' },
  { type: 'delegate', from: 'globex/analyst', to: 'globex/summariser', format: 'biscuit', scope: 'read files:/reports/q3/a.pdf', text: 'globex/analyst → globex/summariser' },
  { type: 'refuse', from: 'globex/summariser', to: 'globex/helper', code: 'depth_exceeded', check: 'depth', text: 'globex/summariser may not delegate further' },
  { type: 'decision', decision: 'allow', chain: ['acme', 'acme/orchestrator', 'globex/analyst', 'globex/summariser'], text: 'files server allows read files:/reports/q3/a.pdf' },
  { type: 'section', text: 'acme revokes the cross-organisation hop' },
  { type: 'revoke', from: 'acme/orchestrator', to: 'globex/analyst', text: 'acme revokes orchestrator → globex/analyst' },
  { type: 'decision', decision: 'deny', chain: ['acme', 'acme/orchestrator', 'globex/analyst', 'globex/summariser'], code: 'revoked', check: 'revocation', text: 'files server refuses globex/summariser: revoked' },
  { type: 'decision', decision: 'allow', chain: ['acme', 'acme/orchestrator', 'acme/analyst'], text: 'acme/analyst still reads' },
];
script.forEach((e, i) => events.emit({ ...e, seq: i + 1 }));
const server = await serveConsole({ events, audit: { read: () => readFile(audit.log) } });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.waitForSelector('#app[data-ready="true"]');
  const shot = async (name, fullPage = false) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(docs, `${name}.png`), fullPage });
    console.log(`docs/console/${name}.png`);
  };

  await page.getByTestId('token-input').fill(t.serialize());
  await page.getByTestId('roots-input').fill(didKeyFromPublicKey(orgKey.publicKey));
  await page.getByTestId('inspect-button').click();
  await page.waitForSelector('[data-testid="verify-status"][data-state="verified"]');
  await page.getByTestId('req-action').fill('write');
  await page.getByTestId('authorize-button').click();
  await page.waitForSelector('[data-testid="authorize-result"]');
  await shot('inspector', true);

  await page.getByTestId('tab-cards').click();
  await page.getByTestId('card-dids').fill(planner.did);
  await page.getByTestId('card-hosts').fill(host.authority);
  await page.getByTestId('card-url').fill(`${host.origin}/.well-known/agent-card.json`);
  await page.getByTestId('card-fetch').click();
  await page.waitForSelector('[data-testid="card-verdict"]');
  await shot('cards');

  await page.getByTestId('tab-audit').click();
  await page.getByTestId('audit-key').fill(didKeyFromPublicKey(audit.checkpointKey.publicKey));
  await page.getByTestId('audit-checkpoints').setInputFiles(audit.checkpoints);
  await page.getByTestId('audit-file').setInputFiles(audit.log);
  await page.waitForSelector('[data-testid="audit-integrity"]');
  await page.getByTestId('audit-open').nth(1).click();
  await shot('audit');

  await page.getByTestId('tab-live').click();
  await page.waitForSelector('[data-testid="live-node"][data-state="revoked"]');
  await shot('live');
} finally {
  await browser.close();
  await server.close();
  await host.close();
  await rm(audit.dir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
}
