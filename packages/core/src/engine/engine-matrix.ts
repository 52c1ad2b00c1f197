import { AligndialError } from '../errors.js';
import { type Engine, getEngine } from './engine.js';
import { align } from './engine-memory.js';
import { GEMM_MIN_ROWS, Layout, Op } from './kernel-exports.js';

/** How the engine stores a weight matrix: float32, bfloat16, or q8 (int8 blocks of 32 along the input, one f32 scale each). */
export type WeightStorage = 'f32' | 'bf16' | 'int8';
export const WEIGHT_STORAGES: readonly WeightStorage[] = ['f32', 'bf16', 'int8'];

/** Bytes per parameter of each storage type (int8: one byte plus a 4-byte scale per 32). */
export const STORAGE_BYTES: Record<WeightStorage, number> = { f32: 4, bf16: 2, int8: 1 + 4 / 32 };

/** Bytes of one stored element (int8's scales are separate). */
const ELEMENT_BYTES: Record<WeightStorage, number> = { f32: 4, bf16: 2, int8: 1 };

/** Elements sampled per tensor by `weightsHash` (model/fingerprint.ts). */
export const HASH_SAMPLES = 256;
const ROWS_PER_COPY = 1 << 22; // elements converted per pass when loading (bounds the scratch size)

let nextId = 1;
const registry = new Map<number, EngineMatrix>();

/** The live matrix with id `id` (what tfjs kernels receive as an attribute). */
export function matrixById(id: number): EngineMatrix {
  const m = registry.get(id);
  if (!m) throw new Error(`engine: matrix ${id} was disposed`);
  return m;
}

/**
 * A frozen weight matrix W [rows = N outputs, cols = K inputs] (Hugging Face's [out, in] layout)
 * held in the engine's memory, outside the tfjs heap. `linear` computes y = x·Wᵀ (+ bias) and
 * `linearGrad` the input gradient dY·W, both on the engine's threads.
 */
export class EngineMatrix {
  readonly id = nextId++;
  /**
   * Row length in storage: K rounded up to whole 32-byte chunks (8 floats, 16 bf16, one q8 block), zeros
   * after K. Rows are stored packed (linear.c: groups of 4 rows, their chunks interleaved), so decode's
   * matrix-vector products read one stream; `pack_rows`/`unpack_rows` convert to and from row-major.
   */
  private readonly ld: number;
  private readonly weights: number;
  private readonly scales: number;
  private disposed = false;
  private readonly engine: Engine;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly storage: WeightStorage,
    /** Names the matrix in errors (e.g. `model.layers.3.mlp`). */
    readonly name: string,
    /**
     * Whether the equivalent tfjs weight is Wᵀ ([in, out], linear layers) rather than W (embeddings):
     * decides which elements `hashSamples` reports, so fingerprints match the tfjs-held model's.
     */
    readonly tfTransposed = true,
  ) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new AligndialError(`${name}: invalid matrix shape [${rows}, ${cols}]`);
    this.engine = getEngine();
    const perChunk = 32 / ELEMENT_BYTES[storage];
    this.ld = Math.ceil(cols / perChunk) * perChunk;
    this.weights = this.engine.memory.alloc(rows * this.ld * ELEMENT_BYTES[storage], name);
    this.scales = storage === 'int8' ? this.engine.memory.alloc(rows * (this.ld / 32) * 4, `${name} (scales)`) : 0;
    registry.set(this.id, this);
    const size = rows * cols;
    const count = Math.min(size, HASH_SAMPLES);
    this.sampleAt = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      const i = Math.floor((k * size) / count); // index into the tfjs layout, as weightsHash samples it
      this.sampleAt[k] = tfTransposed ? (i % rows) * cols + Math.floor(i / rows) : i;
    }
    this.samples = new Float32Array(count);
  }

  /** Positions (row·cols + col) of the hash samples, ascending in the tfjs layout. */
  private readonly sampleAt: Int32Array;
  /** The values written at those positions, before any rounding to the storage type. */
  private readonly samples: Float32Array;

  /**
   * The values that fingerprinting samples from the tfjs layout (`SAMPLES_PER_TENSOR` strided
   * elements), as loaded — before bf16 rounding or int8 quantization, so a model's fingerprint does
   * not depend on how the engine stores it.
   */
  hashSamples(): Float32Array {
    return this.samples.slice();
  }

  /** A matrix holding `data` ([rows, cols] float32, row-major) in `storage`. */
  static fromFloat32(data: Float32Array, rows: number, cols: number, storage: WeightStorage, name: string, tfTransposed = true): EngineMatrix {
    const m = new EngineMatrix(rows, cols, storage, name, tfTransposed);
    m.writeRows(0, data);
    return m;
  }

  /** Bytes the matrix occupies in the engine's memory. */
  get bytes(): number {
    return this.rows * this.ld * ELEMENT_BYTES[this.storage] + (this.storage === 'int8' ? this.rows * (this.ld / 32) * 4 : 0);
  }

  /** [cols, rows]: the shape of the equivalent tfjs weight laid out for `x · W`. */
  get shape(): [number, number] {
    return [this.cols, this.rows];
  }

  /**
   * Stores rows [row0, row0 + n) from float32 data or raw bfloat16 bits ([n, cols] row-major).
   * bf16 bits into bf16 storage are copied exactly; anything else is converted (f32 → bf16 rounds to
   * nearest even; int8 quantizes per block of 32).
   */
  writeRows(row0: number, data: Float32Array | { bf16: Uint16Array }): void {
    this.assertLive();
    const K = this.cols;
    const src = data instanceof Float32Array ? data : data.bf16;
    const n = src.length / K;
    if (!Number.isInteger(n) || row0 < 0 || row0 + n > this.rows) {
      throw new AligndialError(`${this.name}: cannot write ${src.length} values at row ${row0} of a [${this.rows}, ${K}] matrix`);
    }
    const mem = this.engine.memory;
    const lo = row0 * K, hi = (row0 + n) * K;
    for (let k = 0; k < this.sampleAt.length; k++) {
      const at = this.sampleAt[k];
      if (at >= lo && at < hi) this.samples[k] = data instanceof Float32Array ? data[at - lo] : bf16Float32(data.bf16.subarray(at - lo, at - lo + 1))[0];
    }
    // Each pass: up to `step` rows into scratch, row-major with row length ld (zeros after K), converted to
    // the storage type there, then packed into place on all threads.
    const e = this.engine;
    const { ld } = this;
    const ldb = ld * ELEMENT_BYTES[this.storage];
    const step = Math.max(1, Math.floor(ROWS_PER_COPY / ld));
    for (let r = 0; r < n; r += step) {
      const count = Math.min(step, n - r);
      const staged = count * ld * 4;
      const scratch = e.scratch(staged + count * ldb + 64);
      const packed = align(scratch + staged);
      if (!(data instanceof Float32Array) && this.storage === 'bf16') {
        // bf16 bits into bf16 storage: copied exactly.
        copyRows(mem.u16(packed, count * ld), data.bf16.subarray(r * K, (r + count) * K), count, K, ld);
      } else {
        // Converted a pass at a time, so a bf16 checkpoint never exists whole as float32.
        const floats = data instanceof Float32Array ? data.subarray(r * K, (r + count) * K) : bf16Float32(data.bf16.subarray(r * K, (r + count) * K));
        if (this.storage === 'f32') copyRows(mem.f32(packed, count * ld), floats, count, K, ld);
        else if (this.storage === 'bf16') {
          copyRows(mem.f32(scratch, count * ld), floats, count, K, ld);
          e.run(Op.toBf16, [scratch, packed], count * ld, e.chunkFor(count * ld, 4096));
        } else {
          mem.f32(scratch, count * K).set(floats);
          const ws = this.scales + (row0 + r) * (ld / 32) * 4;
          e.run(Op.quantizeW, [scratch, K, ld, packed, ws], count, e.chunkFor(count, 4));
        }
      }
      e.run(Op.packRows, [packed, this.weights, this.rows, ldb, row0 + r], count, e.chunkFor(count, 4));
    }
  }

  /** y [M, rows] = x [M, cols] · Wᵀ (+ bias), written into `out` when given. */
  linear(x: Float32Array, M: number, out: Float32Array = new Float32Array(M * this.rows), bias?: Float32Array): Float32Array {
    this.assertLive();
    const { rows: N, cols: K, ld } = this;
    if (x.length !== M * K) throw new AligndialError(`${this.name}: input has ${x.length} values; expected ${M} × ${K}`);
    if (M === 0) return out;
    const e = this.engine;
    const mem = e.memory;
    const B = ld / 32;
    // x goes in with the weights' row length (zeros after K): the kernels then run on whole chunks.
    const xBytes = M * ld * 4, yBytes = M * N * 4, bBytes = bias ? N * 4 : 0;
    const quantizeX = this.storage === 'int8' && M < GEMM_MIN_ROWS;
    const qBytes = quantizeX ? M * ld * 2 + M * B * 4 : 0;
    const base = e.scratch(xBytes + yBytes + bBytes + qBytes + 256);
    const xOff = base, yOff = align(xOff + xBytes), bOff = align(yOff + yBytes), qOff = align(bOff + bBytes), sOff = align(qOff + M * ld * 2);
    copyRows(mem.f32(xOff, M * ld), x, M, K, ld);
    if (bias) mem.f32(bOff, N).set(bias);
    const chunk = e.chunkFor(N, 16);
    const b = bias ? bOff : 0;
    if (this.storage === 'f32') e.run(Op.linearF32, [xOff, M, ld, this.weights, Layout.packed, b, yOff, N], N, chunk);
    else if (this.storage === 'bf16') {
      if (M < GEMM_MIN_ROWS) e.k.deinterleave_x_bf16(xOff, ld, ld, 0, M);
      e.run(Op.linearBf16, [xOff, M, ld, this.weights, Layout.packed, b, yOff, N], N, chunk);
    } else if (!quantizeX) e.run(Op.gemmQ8, [xOff, M, ld, this.weights, Layout.packed, this.scales, b, yOff, N], N, chunk);
    else {
      e.k.quantize_x_q16(xOff, ld, ld, qOff, sOff, 0, M);
      e.run(Op.linearQ8, [qOff, sOff, M, ld, this.weights, Layout.packed, this.scales, b, yOff, N], N, chunk);
    }
    out.set(mem.f32(yOff, M * N));
    return out;
  }

  /** dX [M, cols] = dY [M, rows] · W: the input gradient of `linear`. */
  linearGrad(dy: Float32Array, M: number, out: Float32Array = new Float32Array(M * this.cols)): Float32Array {
    this.assertLive();
    const { rows: N, cols: K, ld } = this;
    if (dy.length !== M * N) throw new AligndialError(`${this.name}: gradient has ${dy.length} values; expected ${M} × ${N}`);
    if (M === 0) return out;
    const e = this.engine;
    const mem = e.memory;
    const base = e.scratch(M * N * 4 + M * ld * 4 + 128);
    const dyOff = base, dxOff = align(base + M * N * 4);
    mem.f32(dyOff, M * N).set(dy);
    const op = this.storage === 'f32' ? Op.gradF32 : this.storage === 'bf16' ? Op.gradBf16 : Op.gradQ8;
    // Columns [0, ld): the padding columns come out as zeros and are dropped.
    e.run(op, [dyOff, M, N, this.weights, Layout.packed, ld, this.scales, dxOff, ld], ld, e.chunkFor(ld, 32));
    copyRows(out, mem.f32(dxOff, M * ld), M, ld, K);
    return out;
  }

  /** Rows `ids` of W as float32 [ids.length, cols] (an embedding lookup). */
  gatherRows(ids: ArrayLike<number>, out: Float32Array = new Float32Array(ids.length * this.cols)): Float32Array {
    this.assertLive();
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      if (!Number.isInteger(r) || r < 0 || r >= this.rows) throw new AligndialError(`${this.name}: row ${r} is outside [0, ${this.rows})`);
    }
    // Runs of consecutive ids are unpacked together, a bounded block at a time.
    const limit = Math.max(1, Math.floor(ROWS_PER_COPY / this.ld));
    let i = 0;
    while (i < ids.length) {
      let j = i + 1;
      while (j < ids.length && j - i < limit && ids[j] === ids[j - 1] + 1) j++;
      this.readRows(ids[i], j - i, out.subarray(i * this.cols, j * this.cols));
      i = j;
    }
    return out;
  }

  /** Rows [r0, r0 + count) as float32 into `dst` ([count, cols]). */
  private readRows(r0: number, count: number, dst: Float32Array): void {
    const { cols: K, ld } = this;
    const e = this.engine;
    const mem = e.memory;
    const ldb = ld * ELEMENT_BYTES[this.storage];
    const scratch = e.scratch(count * ldb + 64);
    e.k.unpack_rows(this.weights, this.rows, ldb, scratch, r0, r0 + count);
    for (let i = 0; i < count; i++) {
      const row = dst.subarray(i * K, (i + 1) * K);
      if (this.storage === 'f32') row.set(mem.f32(scratch + i * ldb, K));
      else if (this.storage === 'bf16') {
        const bits = mem.u16(scratch + i * ldb, K);
        const u32 = new Uint32Array(row.buffer, row.byteOffset, K);
        for (let k = 0; k < K; k++) u32[k] = bits[k] << 16;
      } else {
        const q = mem.i8(scratch + i * ldb, K);
        const s = mem.f32(this.scales + (r0 + i) * (ld / 32) * 4, ld / 32);
        for (let k = 0; k < K; k++) row[k] = q[k] * s[k >> 5];
      }
    }
  }

  /** The whole matrix as float32 [rows, cols] (dequantized): for saving, fingerprints and thawing into tfjs. */
  toFloat32(): Float32Array {
    this.assertLive();
    const out = new Float32Array(this.rows * this.cols);
    const step = Math.max(1, Math.floor(ROWS_PER_COPY / this.ld));
    for (let r = 0; r < this.rows; r += step) {
      const count = Math.min(step, this.rows - r);
      this.readRows(r, count, out.subarray(r * this.cols, (r + count) * this.cols));
    }
    return out;
  }

  /** Frees the matrix's memory. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    registry.delete(this.id);
    this.engine.memory.release(this.weights, this.rows * this.ld * ELEMENT_BYTES[this.storage]);
    if (this.scales) this.engine.memory.release(this.scales, this.rows * (this.ld / 32) * 4);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertLive(): void {
    if (this.disposed) throw new AligndialError(`${this.name}: the weight matrix was disposed`);
  }
}

/** `count` rows of length `from` (src) into rows of length `to` (dst): cut, or padded with zeros. */
function copyRows<T extends Float32Array | Uint16Array>(dst: T, src: T, count: number, from: number, to: number): void {
  if (from === to) {
    dst.set(src.subarray(0, count * from));
    return;
  }
  const n = Math.min(from, to);
  for (let i = 0; i < count; i++) {
    dst.set(src.subarray(i * from, i * from + n), i * to);
    if (to > n) dst.fill(0, i * to + n, (i + 1) * to);
  }
}

function bf16Float32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u32 = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) u32[i] = bits[i] << 16;
  return out;
}

