import { openChromiumPage } from '../dist/index.js';
const code = `
globalThis.exp = async () => {
  const s = crypto.subtle;
  const kp = await s.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const msg = new Uint8Array(1200).fill(7);
  const sig = new Uint8Array(await s.sign({ name: 'Ed25519' }, kp.privateKey, msg));
  let sync = 0, total = 0;
  for (let r = 0; r < 300; r++) {
    const a = performance.now();
    const ps = Array.from({ length: 11 }, () => s.verify({ name: 'Ed25519' }, kp.publicKey, sig, msg));
    const b = performance.now();
    await Promise.all(ps);
    const c = performance.now();
    if (r >= 50) { sync += b - a; total += c - a; }
  }
  return 'sync part ' + (sync * 1000 / 250).toFixed(0) + ' µs, total ' + (total * 1000 / 250).toFixed(0) + ' µs per 11 parallel verifies';
};
globalThis.agentIdRuntime = {};
`;
const page = await openChromiumPage(code);
console.log(await page.page.evaluate(() => globalThis.exp()));
console.log(await page.page.evaluate(() => globalThis.exp()));
await page.close();
