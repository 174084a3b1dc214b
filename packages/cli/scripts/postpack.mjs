#!/usr/bin/env node
// pnpm pack reads the staging folder .pack/ (publishConfig.directory) and writes the
// tarball there; copy it next to package.json, where `npm i -g ./agent-id-cli-<v>.tgz`
// expects it.
import { copyFile, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { name, version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const tarball = `${name.replace('@', '').replace('/', '-')}-${version}.tgz`;
const staged = join(root, '.pack', tarball);
if ((await readdir(join(root, '.pack'))).includes(tarball)) {
  await copyFile(staged, join(root, tarball));
  console.error(`postpack: ${tarball} copied to ${root}`);
}
