import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The executable inside an installed package's platform package (`pkg` → `platformPkg/subpath`). */
function platformBinary(pkg: string, platformPkg: string, subpath: string): string {
  const from = createRequire(require.resolve(`${pkg}/package.json`));
  const path = join(dirname(from.resolve(`${platformPkg}/package.json`)), subpath);
  if (!existsSync(path)) throw new Error(`${pkg}: no binary at ${path} (is this linux-x64?)`);
  return path;
}

/** The Deno binary of the registry's `deno` package (its platform package, no shim). */
export const denoBinary = (): string => platformBinary('deno', '@deno/linux-x64-glibc', 'deno');

/** The Bun binary carried by `@oven/bun-linux-x64`. */
export const bunBinary = (): string => join(dirname(require.resolve('@oven/bun-linux-x64/package.json')), 'bin', 'bun');

/** The workerd binary of the `workerd` package's platform package. */
export const workerdBinary = (): string => platformBinary('workerd', '@cloudflare/workerd-linux-64', 'bin/workerd');
