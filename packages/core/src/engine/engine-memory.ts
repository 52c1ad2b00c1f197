import './wasm-types.js';
import { AligndialError } from '../errors.js';

const PAGE = 65536;
/** wasm32 addresses 4 GiB; one shared memory is the engine's whole address space. */
export const ENGINE_MAX_BYTES = 4 * 1024 ** 3;
const ALIGN = 64;

const GIB = 1024 ** 3;
const fmtGiB = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

/**
 * The engine's shared `WebAssembly.Memory` and a first-fit allocator over it. Weights are
 * allocated once per model and freed with it; scratch buffers for activations are reused.
 * Memory grows on demand; it never shrinks (wasm memories cannot), but freed blocks are reused.
 */
export class EngineMemory {
  readonly memory: WebAssembly.Memory;
  /** Free blocks [offset, size], sorted by offset. */
  private free: [number, number][] = [];
  private top: number;
  private live = 0;

  constructor(heapBase: number) {
    this.top = align(heapBase);
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.top / PAGE) + 1, maximum: ENGINE_MAX_BYTES / PAGE, shared: true });
  }

  /** Bytes currently allocated (weights and scratch). */
  get usedBytes(): number {
    return this.live;
  }

  /** Bytes the memory spans (what the process holds). */
  get committedBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Allocates `bytes` (64-byte aligned); `what` names the allocation in the out-of-memory error. */
  alloc(bytes: number, what: string): number {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const [offset, freeSize] = this.free[i];
      if (freeSize < size) continue;
      if (freeSize === size) this.free.splice(i, 1);
      else this.free[i] = [offset + size, freeSize - size];
      this.live += size;
      return offset;
    }
    const offset = this.top;
    const end = offset + size;
    if (end > ENGINE_MAX_BYTES) {
      throw new AligndialError(
        `The matmul engine cannot allocate ${fmtGiB(size)} for ${what}: its memory would exceed 4 GiB (${fmtGiB(this.live)} in use).`,
        { hint: 'Use smaller weights (--weights int8 stores 1.06 bytes per parameter, bf16 2, f32 4) or a smaller model.' },
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least 1/8 to keep the number of grow calls (and of new buffer objects) small.
      const want = Math.min(Math.max(end, have + have / 8), ENGINE_MAX_BYTES);
      this.memory.grow(Math.ceil((want - have) / PAGE));
    }
    this.top = end;
    this.live += size;
    return offset;
  }

  /** Returns a block from `alloc` (coalescing with free neighbours). */
  release(offset: number, bytes: number): void {
    const size = align(Math.max(bytes, 1));
    this.live -= size;
    let i = 0;
    while (i < this.free.length && this.free[i][0] < offset) i++;
    this.free.splice(i, 0, [offset, size]);
    // Merge with the next, then the previous block.
    if (i + 1 < this.free.length && this.free[i][0] + this.free[i][1] === this.free[i + 1][0]) {
      this.free[i][1] += this.free[i + 1][1];
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1][0] + this.free[i - 1][1] === this.free[i][0]) {
      this.free[i - 1][1] += this.free[i][1];
      this.free.splice(i, 1);
      i--;
    }
    // A free block at the top goes back to the bump pointer.
    const last = this.free[this.free.length - 1];
    if (last && last[0] + last[1] === this.top) {
      this.top = last[0];
      this.free.pop();
    }
  }

  /** Current views (a grown memory has a new buffer object; views over the old one stay valid but short). */
  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }
  u16(offset: number, length: number): Uint16Array {
    return new Uint16Array(this.memory.buffer, offset, length);
  }
  i8(offset: number, length: number): Int8Array {
    return new Int8Array(this.memory.buffer, offset, length);
  }
  u8(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, offset, length);
  }
  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }
}

/** `n` rounded up to a multiple of 64 bytes (a cache line; every offset the engine hands out is one). */
export function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
