import './wasm-types.js';
import { Worker } from 'node:worker_threads';
import type { EngineMemory } from './engine-memory.js';
import { Ctl, type KernelExports, type OpCode, runChunk } from './kernel-exports.js';

/** Per-thread wasm stack (the module's shadow stack; the kernels barely use it). */
export const STACK_BYTES = 65536;
/** How long an idle thread polls for the next call before it blocks in `Atomics.wait` (µs). */
const SPIN_MICROSECONDS = 50;

// Workers are plain JS evaluated from this text (no file to locate after bundling). They poll the
// generation counter for a short while, then sleep on it; each call's chunks are claimed with a
// compare-and-swap that also checks the generation, so a late worker can never run a chunk of a
// newer call with an older call's arguments.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctlOffset, stackTop } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
k.__stack_pointer.value = stackTop;
const ctl = new Int32Array(memory.buffer, ctlOffset, ${Ctl.size});
const runChunk = ${runChunk.toString()};
const work = ${claimChunks.toString()};
let seen = Atomics.load(ctl, ${Ctl.generation});
for (;;) {
  let g = Atomics.load(ctl, ${Ctl.generation});
  if (g === seen) {
    const until = performance.now() + ${SPIN_MICROSECONDS / 1000};
    let i = 0;
    while (g === seen && ((++i & 255) !== 0 || performance.now() < until)) g = Atomics.load(ctl, ${Ctl.generation});
    while (g === seen) {
      Atomics.add(ctl, ${Ctl.sleepers}, 1);
      Atomics.wait(ctl, ${Ctl.generation}, seen);
      Atomics.sub(ctl, ${Ctl.sleepers}, 1);
      g = Atomics.load(ctl, ${Ctl.generation});
    }
  }
  seen = g;
  if (Atomics.load(ctl, ${Ctl.shutdown}) !== 0) break;
  work(k, ctl, g, runChunk);
}
`;

/** Claims and runs chunks of call `generation` until none is left; self-contained (shipped to workers as text). */
export function claimChunks(k: KernelExports, ctl: Int32Array, generation: number, run: (k: KernelExports, ctl: Int32Array, c: number) => void): void {
  const tag = (generation & 0x7ff) << 20;
  const chunks = Atomics.load(ctl, 4);
  for (;;) {
    const v = Atomics.load(ctl, 1);
    if ((v & ~0xfffff) !== tag || (v & 0xfffff) >= chunks) return;
    if (Atomics.compareExchange(ctl, 1, v, v + 1) !== v) continue;
    run(k, ctl, v & 0xfffff);
    if (Atomics.add(ctl, 2, 1) + 1 === chunks) Atomics.notify(ctl, 2);
  }
}

/**
 * `threads − 1` workers sharing the engine's memory with the main thread. A call splits a range into
 * chunks that every thread (the main one too) claims until none is left, so a descheduled thread
 * (a busy or oversubscribed machine) delays at most the chunk it holds, and the call returns
 * synchronously once all chunks are done.
 */
export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private readonly ctlOffset: number;
  private readonly stacks: number[] = [];
  private generation: number;
  private closed = false;

  constructor(
    readonly threads: number,
    module: WebAssembly.Module,
    private readonly mem: EngineMemory,
    private readonly k: KernelExports,
  ) {
    this.ctlOffset = mem.alloc(Ctl.size * 4, 'the thread pool');
    this.ctl = mem.i32(this.ctlOffset, Ctl.size);
    this.ctl.fill(0);
    this.generation = 0;
    for (let i = 1; i < threads; i++) {
      const stack = mem.alloc(STACK_BYTES, 'a thread stack');
      this.stacks.push(stack);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory: mem.memory, ctlOffset: this.ctlOffset, stackTop: stack + STACK_BYTES },
      });
      worker.unref(); // an idle pool must not keep the process alive
      this.workers.push(worker);
    }
  }

  /** Runs `op` over [0, total) in chunks of `chunkSize`; returns when every chunk is done. */
  run(op: OpCode, args: readonly number[], total: number, chunkSize: number): void {
    const ctl = this.ctl;
    const chunks = Math.ceil(total / chunkSize);
    ctl[Ctl.op] = op;
    ctl[Ctl.chunkSize] = chunkSize;
    ctl[Ctl.total] = total;
    for (let i = 0; i < args.length; i++) ctl[Ctl.args + i] = args[i];
    if (this.workers.length === 0 || chunks <= 1) {
      for (let c = 0; c < chunks; c++) runChunk(this.k, ctl, c);
      return;
    }
    if (this.closed) throw new Error('engine: the thread pool is closed');
    Atomics.store(ctl, Ctl.chunks, chunks);
    Atomics.store(ctl, Ctl.done, 0);
    const g = (this.generation = (this.generation + 1) | 0);
    Atomics.store(ctl, Ctl.next, (g & 0x7ff) << 20);
    Atomics.store(ctl, Ctl.generation, g);
    if (Atomics.load(ctl, Ctl.sleepers) > 0) Atomics.notify(ctl, Ctl.generation);
    claimChunks(this.k, ctl, g, runChunk);
    let done = Atomics.load(ctl, Ctl.done);
    if (done === chunks) return;
    const until = performance.now() + SPIN_MICROSECONDS / 1000;
    let i = 0;
    while (done < chunks && ((++i & 255) !== 0 || performance.now() < until)) done = Atomics.load(ctl, Ctl.done);
    while (done < chunks) {
      Atomics.wait(ctl, Ctl.done, done, 100);
      done = Atomics.load(ctl, Ctl.done);
    }
  }

  /** Stops the workers and frees their stacks. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, Ctl.shutdown, 1);
    Atomics.add(this.ctl, Ctl.generation, 1);
    Atomics.notify(this.ctl, Ctl.generation);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
    for (const s of this.stacks) this.mem.release(s, STACK_BYTES);
    this.mem.release(this.ctlOffset, Ctl.size * 4);
  }
}
