import './wasm-types.js';
/** The functions of `kernels/linear.c` (pointers are byte offsets into the engine's memory). */
export interface KernelExports {
  __stack_pointer: WebAssembly.Global;
  __heap_base: WebAssembly.Global;
  // `g` is the weight layout: 1 = row-major, 4 = packed groups of 4 rows (every EngineMatrix; linear.c explains).
  linear_f32(x: number, M: number, K: number, w: number, g: number, bias: number, y: number, N: number, n0: number, n1: number): void;
  linear_bf16(x: number, M: number, K: number, w: number, g: number, bias: number, y: number, N: number, n0: number, n1: number): void;
  linear_q8(xq: number, xs: number, M: number, Kp: number, wq: number, g: number, ws: number, bias: number, y: number, N: number, n0: number, n1: number): void;
  gemm_q8_f32x(x: number, M: number, Kp: number, wq: number, g: number, ws: number, bias: number, y: number, N: number, n0: number, n1: number): void;
  quantize_x_q16(x: number, K: number, Kp: number, xq: number, xs: number, m0: number, m1: number): void;
  quantize_w_q8(w: number, K: number, Kp: number, wq: number, ws: number, n0: number, n1: number): void;
  linear_grad_f32(dy: number, M: number, N: number, w: number, g: number, ldw: number, ws: number, dx: number, K: number, k0: number, k1: number): void;
  linear_grad_bf16(dy: number, M: number, N: number, w: number, g: number, ldw: number, ws: number, dx: number, K: number, k0: number, k1: number): void;
  linear_grad_q8(dy: number, M: number, N: number, w: number, g: number, ldw: number, ws: number, dx: number, K: number, k0: number, k1: number): void;
  f32_to_bf16(src: number, dst: number, i0: number, i1: number): void;
  deinterleave_x_bf16(x: number, ldx: number, K: number, m0: number, m1: number): void;
  pack_rows(src: number, w: number, N: number, ldb: number, row0: number, i0: number, i1: number): void;
  unpack_rows(w: number, N: number, ldb: number, dst: number, r0: number, r1: number): void;
}

/**
 * From this many input rows on, the kernels multiply by float32 panels unpacked from W (linear.c's
 * GEMM path, `GEMM_MIN_ROWS` there) instead of row-by-row dot products; for int8 weights the input
 * then stays float32 (no 16-bit rounding of x).
 */
export const GEMM_MIN_ROWS = 8;

/** Weight layouts the kernels take (`g`): row-major, or rows packed in groups of 4 with 32-byte chunks interleaved. */
export const Layout = { rowMajor: 1, packed: 4 } as const;

/** Operations the thread pool runs, split into chunks of a range (rows, columns or elements). */
export const Op = {
  linearF32: 1,
  linearBf16: 2,
  linearQ8: 3,
  gradF32: 4,
  gradBf16: 5,
  gradQ8: 6,
  quantizeW: 7,
  toBf16: 8,
  quantizeX: 9,
  gemmQ8: 10,
  packRows: 11,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** Control block layout (int32 slots) shared by the main thread and the workers. */
export const Ctl = {
  generation: 0,
  /** (generation & 0x7ff) << 20 | next chunk index. */
  next: 1,
  done: 2,
  op: 3,
  chunks: 4,
  chunkSize: 5,
  total: 6,
  sleepers: 7,
  shutdown: 8,
  args: 16,
  size: 32,
} as const;

/**
 * Runs chunk `c` of the operation described in the control block. Self-contained (no outer
 * references): the workers get its source text, so main thread and workers run the same code.
 */
export function runChunk(k: KernelExports, ctl: Int32Array, c: number): void {
  const op = ctl[3];
  const size = ctl[5];
  const start = c * size;
  const end = Math.min(start + size, ctl[6]);
  const a = (i: number) => ctl[16 + i];
  switch (op) {
    case 1:
      k.linear_f32(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), start, end);
      break;
    case 2:
      k.linear_bf16(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), start, end);
      break;
    case 3:
      k.linear_q8(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), start, end);
      break;
    case 4:
      k.linear_grad_f32(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), start, end);
      break;
    case 5:
      k.linear_grad_bf16(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), start, end);
      break;
    case 6:
      k.linear_grad_q8(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), start, end);
      break;
    case 7:
      k.quantize_w_q8(a(0), a(1), a(2), a(3), a(4), start, end);
      break;
    case 8:
      k.f32_to_bf16(a(0), a(1), start, end);
      break;
    case 9:
      k.quantize_x_q16(a(0), a(1), a(2), a(3), a(4), start, end);
      break;
    case 10:
      k.gemm_q8_f32x(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), start, end);
      break;
    case 11:
      k.pack_rows(a(0), a(1), a(2), a(3), a(4), start, end);
      break;
    default:
      throw new Error(`engine: unknown op ${op}`);
  }
}
