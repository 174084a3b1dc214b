// The lib settings (ES2022, Node types) do not declare WebAssembly; this is the part used.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}
export type WasmModule = object;
export type WasmImports = Record<string, Record<string, unknown>>;
interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; imports(module: WasmModule): Array<{ module: string; name: string; kind: string }> };
  Instance: new (module: WasmModule, imports: WasmImports) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  RuntimeError: new (message?: string) => Error;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
