import './wasm-types.js';
import { availableParallelism } from 'node:os';
import { AligndialError } from '../errors.js';
import { EngineMemory } from './engine-memory.js';
import { Ctl, type KernelExports, Layout, Op, type OpCode, runChunk } from './kernel-exports.js';
import { LINEAR_WASM_BASE64 } from './kernels/linear-wasm.js';
import { ThreadPool } from './thread-pool.js';

/** How the engine's thread count was chosen. */
export type ThreadsSource = 'option' | 'ALIGNDIAL_THREADS' | 'measured';

/** What `backendInfo()` and `generate --json` report about the matmul engine. */
export interface EngineInfo {
  /** The engine: aligndial's own WebAssembly SIMD128 kernels. */
  name: 'aligndial-wasm-simd';
  /** Threads per matmul, the main thread included. */
  threads: number;
  threadsSource: ThreadsSource;
  /** Bytes the engine's memory holds (weights and scratch). */
  memoryBytes: number;
}

let configuredThreads: number | undefined;
let instance: Engine | undefined;

/** Parses a thread count from an option or `ALIGNDIAL_THREADS` (a positive integer). */
export function parseThreads(value: string | number, source: string): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new AligndialError(`Invalid thread count "${value}" (from ${source}).`, { hint: 'Use a whole number from 1 to 256, e.g. --threads 4.' });
  }
  return n;
}

/**
 * Sets the engine's thread count (`undefined` = `ALIGNDIAL_THREADS`, else measured). Takes effect
 * now if the engine is running (its pool is rebuilt; weights stay where they are).
 */
export function configureEngineThreads(threads: number | undefined): void {
  if (threads !== undefined) parseThreads(threads, 'the threads option');
  configuredThreads = threads;
  if (instance) instance.setThreads(...instance.resolveThreads());
}

/** The engine, created on first use. */
export function getEngine(): Engine {
  instance ??= new Engine();
  return instance;
}

/** The engine's report, or undefined when no weights or calls have used it yet. */
export function engineInfo(): EngineInfo | undefined {
  return instance?.info();
}

/** Stops the engine's worker threads (weights stay valid; the next parallel call restarts them). */
export function shutdownEngineThreads(): void {
  instance?.closePool();
}

function decodeModule(): WebAssembly.Module {
  return new WebAssembly.Module(Buffer.from(LINEAR_WASM_BASE64, 'base64'));
}

/** The memory, the kernels (main-thread instance) and the pool. */
export class Engine {
  readonly module = decodeModule();
  readonly memory: EngineMemory;
  readonly k: KernelExports;
  private pool: ThreadPool | undefined;
  private threads = 1;
  private threadsSource: ThreadsSource = 'measured';
  private scratchOffset = 0;
  private scratchBytes = 0;

  constructor() {
    const probe = new WebAssembly.Instance(this.module, { env: { memory: new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true }) } });
    const heapBase = (probe.exports.__heap_base as WebAssembly.Global).value as number;
    this.memory = new EngineMemory(heapBase);
    this.k = new WebAssembly.Instance(this.module, { env: { memory: this.memory.memory } }).exports as unknown as KernelExports;
    const [threads, source] = this.resolveThreads();
    this.setThreads(threads, source);
  }

  /** The thread count to use and why: option, then `ALIGNDIAL_THREADS`, then a measurement. */
  resolveThreads(): [number, ThreadsSource] {
    if (configuredThreads !== undefined) return [configuredThreads, 'option'];
    const env = process.env.ALIGNDIAL_THREADS;
    if (env !== undefined && env.trim() !== '' && env.trim() !== 'auto') return [parseThreads(env, 'ALIGNDIAL_THREADS'), 'ALIGNDIAL_THREADS'];
    return [this.measureThreads(), 'measured'];
  }

  setThreads(threads: number, source: ThreadsSource): void {
    this.pool?.close();
    this.pool = undefined;
    this.threads = threads;
    this.threadsSource = source;
  }

  closePool(): void {
    this.pool?.close();
    this.pool = undefined;
  }

  info(): EngineInfo {
    return { name: 'aligndial-wasm-simd', threads: this.threads, threadsSource: this.threadsSource, memoryBytes: this.memory.usedBytes };
  }

  get threadCount(): number {
    return this.threads;
  }

  /** Runs `op` over [0, total) split in chunks of `chunk`, on all threads; synchronous. */
  run(op: OpCode, args: readonly number[], total: number, chunk: number): void {
    if (total <= 0) return;
    if (this.threads > 1 && !this.pool) this.pool = new ThreadPool(this.threads, this.module, this.memory, this.k);
    if (!this.pool) {
      // One thread: one call over the whole range (what chunks would compute, identically).
      runSingle(this.k, op, args, total);
      return;
    }
    this.pool.run(op, args, total, chunk);
  }

  /** Chunk size for a range of `total` split over the threads: ~8 chunks per thread, a multiple of `unit`. */
  chunkFor(total: number, unit: number): number {
    const per = Math.ceil(total / (this.threads * 8));
    return Math.max(unit, Math.ceil(per / unit) * unit);
  }

  /** A reusable scratch region of at least `bytes` (valid until the next call to `scratch`). */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchBytes > 0) this.memory.release(this.scratchOffset, this.scratchBytes);
      const size = Math.max(bytes, this.scratchBytes * 2, 1 << 20);
      this.scratchOffset = this.memory.alloc(size, 'activations');
      this.scratchBytes = size;
    }
    return this.scratchOffset;
  }

  /**
   * The thread count that runs a decode-sized matmul fastest here: all cores on a quiet machine,
   * fewer (down to one) where extra threads measure slower (a busy or oversubscribed machine).
   */
  private measureThreads(): number {
    const cores = availableParallelism();
    if (cores <= 1) return 1;
    const N = 2048, K = 1024, reps = 12;
    const w = this.memory.alloc(N * K * 4, 'the thread measurement');
    const x = this.memory.alloc(K * 4, 'the thread measurement');
    const y = this.memory.alloc(N * 4, 'the thread measurement');
    try {
      const wv = this.memory.f32(w, N * K);
      for (let i = 0; i < wv.length; i++) wv[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
      this.memory.f32(x, K).fill(0.5);
      const candidates = [...new Set([1, Math.min(cores, 2), Math.min(cores, 4), cores])];
      let best = 1, bestTime = Infinity;
      for (const t of candidates) {
        this.setThreads(t, 'measured');
        const times: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          this.run(Op.linearF32, [x, 1, K, w, Layout.packed, 0, y, N], N, this.chunkFor(N, 16));
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const median = times[reps >> 1];
        // A thread count must beat the best so far by 10% to be worth its CPU.
        if (median < bestTime * 0.9) {
          best = t;
          bestTime = median;
        }
      }
      this.closePool();
      return best;
    } finally {
      this.memory.release(w, N * K * 4);
      this.memory.release(x, K * 4);
      this.memory.release(y, N * 4);
    }
  }
}

/** A control block for one-thread calls: the same `runChunk` as the pool's, over one chunk covering the range. */
const singleCtl = new Int32Array(Ctl.size);

function runSingle(k: KernelExports, op: OpCode, args: readonly number[], total: number): void {
  singleCtl[Ctl.op] = op;
  singleCtl[Ctl.chunkSize] = total;
  singleCtl[Ctl.total] = total;
  for (let i = 0; i < args.length; i++) singleCtl[Ctl.args + i] = args[i];
  runChunk(k, singleCtl, 0);
}
