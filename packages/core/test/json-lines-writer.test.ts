import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../src/index.js';
import { JsonLinesWriter } from '../src/internal-node.js';

describe('JsonLinesWriter', () => {
  it('creates owner-only files and appends in call order, committing after each write', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-jl-')), 'x.jsonl');
    const file = await JsonLinesWriter.open(path);
    let next = 0;
    const committed: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, () =>
        file.append(
          () => ({ n: next }),
          (v) => {
            next = v.n + 1;
            committed.push(v.n);
          },
        ),
      ),
    );
    await file.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(committed).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).n)).toEqual(committed);
  });

  it('truncateTo drops a torn tail before appending', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-jl-')), 'x.jsonl');
    await writeFile(path, '{"a":1}\n{"a":', { mode: 0o600 });
    const file = await JsonLinesWriter.open(path, { truncateTo: 8 });
    await file.append(() => ({ a: 2 }));
    await file.close();
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });

  it('a failed append does not block later ones', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-jl-')), 'x.jsonl');
    const file = await JsonLinesWriter.open(path);
    await expect(
      file.append(() => {
        throw new TypeError('bad value');
      }),
    ).rejects.toThrow(TypeError);
    await file.append(() => ({ ok: true }));
    await file.close();
    expect(await readFile(path, 'utf8')).toBe('{"ok":true}\n');
  });

  it('serialize chooses the line (canonical JSON for the audit log); a value that is not one line is refused', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-jl-')), 'x.jsonl');
    const file = await JsonLinesWriter.open(path, { serialize: canonicalize });
    await file.append(() => ({ b: 1, a: [2, { d: 3, c: 4 }] }));
    await expect(file.append(() => 'x')).resolves.toBe('x');
    const multiLine = await JsonLinesWriter.open(path, { serialize: (v) => JSON.stringify(v, null, 2) });
    await expect(multiLine.append(() => ({ a: 1 }))).rejects.toThrow(TypeError);
    await multiLine.close();
    await file.close();
    expect(await readFile(path, 'utf8')).toBe('{"a":[2,{"c":4,"d":3}],"b":1}\n"x"\n');
  });

  it('appendLines writes lines already serialized, queued in call order with append and appendAll; a batch holding a line that is not one line writes nothing', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-jl-')), 'x.jsonl');
    const file = await JsonLinesWriter.open(path);
    const done = [file.append(() => 1), file.appendLines(['2', '3']), file.appendAll([4]), file.appendLines([])];
    await Promise.all(done);
    await expect(file.appendLines(['5', '6\n7'])).rejects.toThrow(TypeError);
    await expect(file.appendLines([8 as unknown as string])).rejects.toThrow(TypeError);
    await file.appendLines(['9']);
    await file.close();
    expect(await readFile(path, 'utf8')).toBe('1\n2\n3\n4\n9\n');
  });

  it.runIf(process.platform === 'linux')('an append resolves once durable: the file is written O_DSYNC (Linux, read back from /proc/self/fdinfo), a truncated one too', async () => {
    const { readdir, readlink } = await import('node:fs/promises');
    const { constants } = await import('node:fs');
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-jl-')), 'x.jsonl');
    const flagsOf = async (): Promise<number> => {
      for (const fd of await readdir('/proc/self/fd')) {
        if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) !== path) continue;
        return Number.parseInt(/flags:\s+(\d+)/.exec(await readFile(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
      }
      throw new Error('the file is not open');
    };
    const file = await JsonLinesWriter.open(path);
    await file.appendLines(['{"a":1}']);
    expect((await flagsOf()) & constants.O_DSYNC).toBe(constants.O_DSYNC);
    expect((await flagsOf()) & constants.O_APPEND).toBe(constants.O_APPEND);
    await file.close();
    const again = await JsonLinesWriter.open(path, { truncateTo: 0 });
    expect((await flagsOf()) & constants.O_DSYNC).toBe(constants.O_DSYNC);
    await again.appendLines(['{"b":2}']);
    await again.close();
    expect(await readFile(path, 'utf8')).toBe('{"b":2}\n');
  });
});
