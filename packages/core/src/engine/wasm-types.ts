// The WebAssembly JS API that the engine uses. tsconfig's lib is ES2022 without DOM, and this
// @types/node does not declare the WebAssembly namespace, so the few members used are typed here.
declare global {
  namespace WebAssembly {
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
      grow(delta: number): number;
    }
    class Module {
      constructor(bytes: Uint8Array);
      static exports(module: Module): { name: string; kind: string }[];
    }
    class Instance {
      constructor(module: Module, imports: Record<string, Record<string, unknown>>);
      readonly exports: Record<string, unknown>;
    }
    class Global {
      value: unknown;
    }
  }
}
export {};
