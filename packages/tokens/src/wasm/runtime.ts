import { moduleDirectory, readBytes, readText } from '#wasm-files';
import { AgentIdError, InternalError, ResourceLimitError } from '@agent-id/core';
import type * as BiscuitWasm from '@biscuit-auth/biscuit-wasm';
import { mapWasmError } from './errors.js';
import { liveMemory, state } from './runtime-state.js';
import { Wasm, type WasmImports, type WasmMemory, type WasmModule } from './webassembly.js';

/** The glue module's exports (classes of one instance). */
export type Glue = typeof BiscuitWasm;

interface Instance {
  glue: Glue;
  memory: WasmMemory;
  setWasm: (exports: unknown) => void;
  /** Trapped: must not run another call (its Rust state may be inconsistent). */
  poisoned: boolean;
  /** Replaced: its glue now points at the inert stand-in and must never run a call. */
  retired: boolean;
}

let compiled: Promise<{ module: WasmModule; base: URL }> | undefined;
let current: Promise<Instance> | undefined;
let live: Instance | undefined;
state.imported = true;
liveMemory.bytes = () => (live ? live.memory.buffer.byteLength : 0);
let spare: Promise<Instance> | undefined;

function compile(): Promise<{ module: WasmModule; base: URL }> {
  compiled ??= (async () => {
    const base = moduleDirectory();
    const bytes = await readBytes(new URL('biscuit_bg.wasm', base));
    return { module: new Wasm.Module(bytes), base };
  })();
  return compiled;
}

const CONSOLE_IMPORT = /^__wbg_(log|error|warn|info|debug)_/;

type GlueModule = Glue & { __wbg_set_wasm(exports: unknown): void };

/**
 * The glue (wasm-bindgen's biscuit_bg.js) compiled once as a factory: each call returns a
 * fresh copy of its module-level state (heap table, cached memory views, finalizers) for
 * one instance, while the bytecode is shared. Importing a fresh copy per instance instead
 * (`biscuit_bg.js?instance=N`) leaves every copy in the ES module map for the life of the
 * process, and re-compiles the glue each time. The glue has no imports and only
 * `export function|class|const` declarations; anything else falls back to importing.
 */
let glueFactory: Promise<(() => GlueModule) | undefined> | undefined;

function loadGlueFactory(base: URL): Promise<(() => GlueModule) | undefined> {
  glueFactory ??= (async () => {
    const source = await readText(new URL('biscuit_bg.js', base));
    if (/^\s*import[\s{*]|^\s*export\s+(default|\{|\*|let|var|async)|import\.meta|\brequire\(/m.test(source)) return undefined;
    const names: string[] = [];
    const body = source.replace(/^export (function|class|const) ([A-Za-z_$][\w$]*)/gm, (_m, kind: string, name: string) => {
      names.push(name);
      return `${kind} ${name}`;
    });
    if (/^\s*export\b/m.test(body) || !names.includes('__wbg_set_wasm')) return undefined;
    // The installed package's own glue, evaluated as its module would be.
    const factory = new Function(`"use strict";\n${body}\nreturn { ${names.join(', ')} };`) as () => GlueModule;
    return factory;
  })();
  return glueFactory;
}

async function freshGlue(base: URL, generation: number): Promise<GlueModule> {
  const factory = await loadGlueFactory(base);
  if (factory) return factory();
  return (await import(new URL(`biscuit_bg.js?instance=${generation}`, base).href)) as GlueModule;
}

async function instantiate(): Promise<Instance> {
  const { module, base } = await compile();
  // A fresh copy of the glue per instance: its module-level state (heap table, cached
  // memory views, finalizers) belongs to one instance only.
  const generation = state.generation++;
  const glue = await freshGlue(base, generation);
  const imports: WasmImports = {};
  for (const { module: name } of Wasm.Module.imports(module)) {
    if (imports[name]) continue;
    if (name === './biscuit_bg.js') {
      // Silences the start-up banner and Rust panic prints; failures reach callers as typed errors.
      const patched: Record<string, unknown> = { ...glue };
      for (const key of Object.keys(patched)) if (CONSOLE_IMPORT.test(key)) patched[key] = () => {};
      imports[name] = patched as Record<string, unknown>;
    } else {
      imports[name] = (await import(new URL(name, base).href)) as Record<string, unknown>;
    }
  }
  const instance = new Wasm.Instance(module, imports);
  const exports = instance.exports as { memory: WasmMemory; __wbindgen_start(): void };
  glue.__wbg_set_wasm(instance.exports);
  exports.__wbindgen_start();
  state.instances++;
  if (generation === 0) warmUp(glue);
  return { glue, memory: exports.memory, setWasm: (e) => glue.__wbg_set_wasm(e), poisoned: false, retired: false };
}

// The engine compiles wasm functions lazily on first call; one representative run up
// front keeps that cost out of the first real authorization's Datalog time budget.
function warmUp(glue: Glue): void {
  const root = new glue.KeyPair(0 as Glue['SignatureAlgorithm'][keyof Glue['SignatureAlgorithm']]);
  const key = root.getPrivateKey();
  const builder = glue.Biscuit.builder();
  builder.addCodeWithParameters('w({s}, {d}); check if x($x), {s}.contains($x) || {s}.any($p -> $x.starts_with($p));', { s: { set: ['a'] }, d: { date: '2000-01-01T00:00:00Z' } }, {});
  const token = builder.build(key);
  const authorizerBuilder = new glue.AuthorizerBuilder();
  authorizerBuilder.addCodeWithParameters('x({x}); allow if w($s, $d), $s.contains({x});', { x: 'a' }, {});
  const authorizer = authorizerBuilder.buildAuthenticated(token);
  try {
    authorizer.authorizeWithLimits({ max_time_micro: 10_000_000, max_facts: 1000, max_iterations: 100 });
    const rule = glue.Rule.fromString('q($s) <- w($s, $d)');
    for (const fact of authorizer.queryWithLimits(rule, { max_time_micro: 10_000_000, max_facts: 1000, max_iterations: 100 }) as Array<{ free(): void }>) fact.free();
    rule.free();
  } finally {
    authorizer.free();
    token.free();
    key.free();
    root.free();
  }
}

/** `__wbg_<class>_free`: what `free()` and the glue's late finalizers call. */
const FREE_EXPORT = /^__wbg_[a-z0-9_]+_free$/;

function retiredCall(): never {
  throw new InternalError('biscuit instance was retired; this call cannot run on it', { check: 'wasm_retired' });
}

/**
 * What a retired glue points at. Only `memory` and the `__wbg_*_free` exports work (as
 * no-ops, for late finalizers and `free()` of objects of the old instance); every other
 * export throws, so a call that somehow reached a retired instance fails instead of
 * reading return values from this shared scratch memory (zeros would read as success).
 */
const inertExports = new Proxy(
  { memory: new Wasm.Memory({ initial: 1 }) },
  {
    get: (target, key) => {
      if (key === 'memory') return target.memory;
      if (typeof key !== 'string') return undefined;
      return FREE_EXPORT.test(key) ? () => {} : retiredCall;
    },
  },
);

function retire(instance: Instance): void {
  instance.retired = true;
  // grow(0) detaches the glue's cached views of the old buffer, and the inert exports
  // drop its reference to the instance, so the old linear memory can be collected.
  // Late finalizers of the old glue then call no-ops instead of a freed instance.
  try {
    instance.memory.grow(0);
  } catch {
    // A trapped instance may refuse; dropping the reference below is what matters.
  }
  instance.setWasm(inertExports);
}

async function acquire(): Promise<Instance> {
  if (live && !live.poisoned && live.memory.buffer.byteLength <= state.threshold) return live;
  if (live) {
    const old = live;
    live = undefined;
    current = undefined;
    state.recycles++;
    retire(old);
  }
  if (!current) {
    const next = spare ?? instantiate();
    spare = undefined;
    const pending = next.then((instance) => {
      live = instance;
      return instance;
    });
    pending.catch(() => {
      if (current === pending) current = undefined;
    });
    current = pending;
  }
  return current;
}

function observe(instance: Instance): void {
  const bytes = instance.memory.buffer.byteLength;
  if (bytes > state.peak) state.peak = bytes;
  // Prepare the next instance ahead of time so the swap does not delay a call.
  if (!spare && bytes > state.threshold * 0.75) {
    spare = instantiate();
    spare.catch(() => {
      spare = undefined;
    });
  }
}

let forceTrap = false;
/** Re-acquisitions per call before giving up (each one means another call trapped or recycled). */
const MAX_ACQUIRE_ATTEMPTS = 64;

/**
 * Runs `fn` synchronously against the live instance. Every wasm object `fn` creates must
 * be freed (or consumed) before it returns: nothing may cross an `await`, since the
 * instance can be replaced between calls. A trap poisons the instance (the next call gets
 * a fresh one) and is reported as `internal`.
 */
export async function withBiscuit<T>(fn: (glue: Glue) => T): Promise<T> {
  let instance = await acquire();
  // Between acquire() and now other calls ran: one may have pushed the instance past the
  // threshold or trapped, and a later acquire() retired it. Pick again until the instance
  // is usable at this synchronous point; nothing yields from here until `fn` returns.
  for (let attempt = 1; instance.retired || instance.poisoned; attempt++) {
    if (attempt > MAX_ACQUIRE_ATTEMPTS) throw new InternalError('biscuit runtime kept replacing its instance; try again', { check: 'wasm_busy' });
    instance = await acquire();
  }
  try {
    if (forceTrap) {
      forceTrap = false;
      // A JS Date as a Datalog parameter panics inside the module: a real trap.
      const block = new instance.glue.BlockBuilder();
      block.addCodeWithParameters('trap({x});', { x: new Date() }, {});
    }
    return fn(instance.glue);
  } catch (error) {
    if (error instanceof Wasm.RuntimeError || error instanceof RangeError) {
      instance.poisoned = true;
      state.traps++;
      const oom = error instanceof RangeError || /memory/i.test((error as Error).message);
      const message = 'biscuit module trapped; the next call runs on a fresh instance';
      throw oom ? new ResourceLimitError(`${message} (memory)`, { check: 'wasm_memory', cause: error }) : new InternalError(message, { check: 'wasm_trap', cause: error });
    }
    if (error instanceof AgentIdError) throw error;
    throw mapWasmError(error, 'biscuit');
  } finally {
    if (!instance.poisoned) observe(instance);
  }
}

/** Test hook: the next {@link withBiscuit} call traps inside the module before running. */
export function forceTrapOnNextCall(): void {
  forceTrap = true;
}
