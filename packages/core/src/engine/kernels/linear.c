// aligndial's matmul engine: y = x·Wᵀ (+ bias) and its input gradient dX = dY·W, for W stored as
// float32, bfloat16 or q8 (int8 in blocks of 32 along the input dimension, one float32 scale per
// block), with float32 accumulation, in WebAssembly SIMD128.
//
// Layout: W is [N, K] row-major (Hugging Face's [out, in]), so every output is a contiguous dot
// product and q8 blocks run along K. Callers pass a range of output rows [n0, n1) (forward) or of
// input columns [k0, k1) (gradient): threads split the work by those ranges. Each output element is
// computed by the same sequence of float operations whatever the range or tile it falls in, so
// results do not depend on the number of threads.
//
// Rules for running on a shared memory from several instances at once: no static data, and each
// instance's shadow stack pointer is set to its own region by the thread pool (tile accumulators may
// spill to the stack), so instances never collide.
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

INLINE float hsum(v128_t v) {
  v128_t s = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  s = wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(s, 0);
}

INLINE float load1_f32(const void *w, int k) { return ((const float *)w)[k]; }
INLINE float load1_bf16(const void *w, int k) {
  union { uint32_t u; float f; } v = {.u = (uint32_t)((const uint16_t *)w)[k] << 16};
  return v.f;
}

// ---- Weight layouts ----
// Row-major (group G = 1): row n at n·ldb bytes — activations multiplied as weights (attention's batched
// matmuls). Packed (G = 4, every EngineMatrix): rows in groups of 4 (the last may hold fewer) and, inside a
// group, the rows' 32-byte chunks interleaved — chunk 0 of each row, then chunk 1, … — so a matrix-vector
// tile over the 4 rows reads one sequential stream instead of 4 streams a row apart. Out of cache (decode
// reads every weight once per token) that ran 1.6–2.2× faster here (bench/kernel-ab.mjs). Packed rows have
// whole chunks: ldb is a multiple of 32 (the row padded with zeros), and so is x's row stride.
INLINE size_t w_at(int n, size_t kbyte, int G, int N, size_t ldb) {
  const int g = G == 1 ? n : n & ~3;
  const int R = N - g < G ? N - g : G;
  return (size_t)g * ldb + (kbyte >> 5) * 32 * (size_t)R + (size_t)(n - g) * 32 + (kbyte & 31);
}

// ---- Few rows (decode): tiles of MT rows of x × NT rows of W ----
// Row j of a tile starts at w + j·rs bytes and its 32-byte chunk c at + c·cs (packed: rs = 32, cs = 32·rows in
// the group; row-major: rs = ldb, cs = 32). C whole chunks, then a scalar tail [C·E, K) (row-major only).
// One f32x4 accumulator per output, the same additions in the same order for every tile shape.
INLINE void vtile_f32(const float *x, int ldx, int K, const float *ws, const uint8_t *w, size_t rs, size_t cs,
                      const float *bias, float *y, int ldy, int MT, int NT) {
  (void)ws; // scales: q8 only
  v128_t acc[4][4];
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) acc[m][n] = wasm_f32x4_splat(0.0f);
  const int C = K >> 3;
  for (int c = 0; c < C; c++) {
    const uint8_t *wc = w + (size_t)c * cs;
    for (int n = 0; n < NT; n++) {
      const v128_t w0 = wasm_v128_load(wc + n * rs), w1 = wasm_v128_load(wc + n * rs + 16);
      for (int m = 0; m < MT; m++) {
        const float *xm = x + (size_t)m * ldx + 8 * c;
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_v128_load(xm), w0));
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_v128_load(xm + 4), w1));
      }
    }
  }
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) {
      float s = hsum(acc[m][n]);
      for (int k = 8 * C; k < K; k++) s += x[(size_t)m * ldx + k] * load1_f32(w + n * rs, k);
      if (bias) s += bias[n];
      y[(size_t)m * ldy + n] = s;
    }
}

// bf16: a 16-byte load holds 8 weights; the high halves of its 32-bit lanes (masked) are the odd ones as
// float32 and the low halves shifted up the even ones, so x comes with each group of 8 reordered as
// x0 x2 x4 x6 x1 x3 x5 x7 (deinterleave_x_bf16): one load and two bit operations per 8 weights.
INLINE void vtile_bf16(const float *x, int ldx, int K, const float *ws, const uint8_t *w, size_t rs, size_t cs,
                       const float *bias, float *y, int ldy, int MT, int NT) {
  (void)ws;
  v128_t acc[4][4];
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) acc[m][n] = wasm_f32x4_splat(0.0f);
  const v128_t hi = wasm_i32x4_splat((int32_t)0xffff0000);
  const int C = K >> 4;
  for (int c = 0; c < C; c++) {
    const uint8_t *wc = w + (size_t)c * cs;
    for (int n = 0; n < NT; n++) {
      const v128_t v0 = wasm_v128_load(wc + n * rs), v1 = wasm_v128_load(wc + n * rs + 16);
      const v128_t e0 = wasm_i32x4_shl(v0, 16), o0 = wasm_v128_and(v0, hi);
      const v128_t e1 = wasm_i32x4_shl(v1, 16), o1 = wasm_v128_and(v1, hi);
      for (int m = 0; m < MT; m++) {
        const float *xm = x + (size_t)m * ldx + 16 * c;
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_v128_load(xm), e0));
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_v128_load(xm + 4), o0));
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_v128_load(xm + 8), e1));
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_v128_load(xm + 12), o1));
      }
    }
  }
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) {
      float s = hsum(acc[m][n]);
      for (int k = 16 * C; k < K; k++) s += x[(size_t)m * ldx + k] * load1_bf16(w + n * rs, k);
      if (bias) s += bias[n];
      y[(size_t)m * ldy + n] = s;
    }
}

// x rows [m0, m1) (stride ldx, K values) reordered in place for vtile_bf16: each whole group of 8 becomes
// x0 x2 x4 x6 x1 x3 x5 x7 (a tail of K % 16 stays as it is).
EXPORT(deinterleave_x_bf16)
void deinterleave_x_bf16(float *x, int ldx, int K, int m0, int m1) {
  const int K16 = K & ~15;
  for (int m = m0; m < m1; m++)
    for (int k = 0; k < K16; k += 8) {
      float *p = x + (size_t)m * ldx + k;
      const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + 4);
      wasm_v128_store(p, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6));
      wasm_v128_store(p + 4, wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
    }
}

// ---- GEMM path for many rows (prefill, training): W converted to float32 panels, outer-product tiles ----
// For M ≥ GEMM_MIN_ROWS the row-by-row dot products above spend their time on horizontal sums and
// re-reading x; here (as in XNNPACK's and BLIS's kernels) a block of W is unpacked once into panels
// of 8 output columns × KC reduction steps on the stack (float32, whatever the storage), and every
// group of MR rows of the input multiplies each panel with MR × 8 accumulators: one broadcast of x
// and two panel loads per MR·8 multiply-adds, no horizontal sums. Each output element is still the
// same sequence of float operations wherever its row or column falls (y starts at the bias or 0 and
// adds one partial sum per KC block), so results do not depend on the thread count.
#define GEMM_MIN_ROWS 8
#define KC 256
#define NC 32
#define MR 4
// Rows of x per block: MC · KC floats (128 KiB) stay in L2 while every panel of W passes over them, instead of
// all of x (MBs at training sizes) streaming from memory once per NC columns (1.05–1.2× at M = 2048,
// bench/kernel-ab.mjs).
#define MC 128

// Element k of row `row` of a weight matrix (layout G, N rows, ldb bytes per row; scales: q8 only, [N, ldb/32]).
INLINE float wget_f32(const uint8_t *w, const float *ws, int G, int N, size_t ldb, int row, int k) {
  (void)ws;
  return *(const float *)(w + w_at(row, (size_t)k * 4, G, N, ldb));
}
INLINE float wget_bf16(const uint8_t *w, const float *ws, int G, int N, size_t ldb, int row, int k) {
  (void)ws;
  return load1_bf16(w + w_at(row, (size_t)k * 2, G, N, ldb), 0);
}
INLINE float wget_q8(const uint8_t *w, const float *ws, int G, int N, size_t ldb, int row, int k) {
  return (float)*(const int8_t *)(w + w_at(row, (size_t)k, G, N, ldb)) * ws[(size_t)row * (ldb >> 5) + (k >> 5)];
}

// Elements [k, k + n) of row `row` as float32 into dst[0], dst[stride], …: one address per contiguous run (a
// 32-byte chunk when packed, the whole span when row-major) instead of one per element.
#define DEFINE_WREAD(T, BYTES, VALUE)                                                                              \
  INLINE void wread_##T(const uint8_t *w, const float *ws, int G, int N, size_t ldb, int row, int k, int n,         \
                        float *dst, int stride) {                                                                  \
    (void)ws;                                                                                                      \
    for (int i = 0; i < n;) {                                                                                      \
      const size_t kbyte = (size_t)(k + i) * BYTES;                                                                \
      const uint8_t *p = w + w_at(row, kbyte, G, N, ldb);                                                          \
      int run = G == 1 ? n - i : (int)((32 - (kbyte & 31)) / BYTES);                                              \
      if (run > n - i) run = n - i;                                                                                \
      for (int j = 0; j < run; j++) dst[(size_t)(i + j) * stride] = VALUE;                                         \
      i += run;                                                                                                    \
    }                                                                                                              \
  }
DEFINE_WREAD(f32, 4, ((const float *)p)[j])
DEFINE_WREAD(bf16, 2, load1_bf16(p, j))
DEFINE_WREAD(q8, 1, (float)((const int8_t *)p)[j] * ws[(size_t)row * (ldb >> 5) + ((k + i + j) >> 5)])

// 8 consecutive elements of a row (within one 32-byte chunk) as float32 into dst[0..8): vector loads and
// widening, for the gradient's panels (8 columns of W per row).
INLINE void wread8_f32(const uint8_t *p, float scale, float *dst) {
  (void)scale;
  wasm_v128_store(dst, wasm_v128_load(p));
  wasm_v128_store(dst + 4, wasm_v128_load(p + 16));
}
INLINE void wread8_bf16(const uint8_t *p, float scale, float *dst) {
  (void)scale;
  const v128_t v = wasm_v128_load(p);
  wasm_v128_store(dst, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16));
  wasm_v128_store(dst + 4, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16));
}
INLINE void wread8_q8(const uint8_t *p, float scale, float *dst) {
  const v128_t q = wasm_i16x8_load8x8(p);
  const v128_t s = wasm_f32x4_splat(scale);
  wasm_v128_store(dst, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(q)), s));
  wasm_v128_store(dst + 4, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(q)), s));
}
INLINE float wscale_f32(const float *ws, int row, size_t ldb, int k) { (void)ws, (void)row, (void)ldb, (void)k; return 1.0f; }
INLINE float wscale_bf16(const float *ws, int row, size_t ldb, int k) { (void)ws, (void)row, (void)ldb, (void)k; return 1.0f; }
INLINE float wscale_q8(const float *ws, int row, size_t ldb, int k) { return ws[(size_t)row * (ldb >> 5) + (k >> 5)]; }

// Elements k..k+7 of a row (within one 32-byte chunk) as two float32 vectors.
INLINE void load8_f32(const uint8_t *p, float scale, v128_t *lo, v128_t *hi) {
  (void)scale;
  *lo = wasm_v128_load(p);
  *hi = wasm_v128_load(p + 16);
}
INLINE void load8_bf16(const uint8_t *p, float scale, v128_t *lo, v128_t *hi) {
  (void)scale;
  const v128_t v = wasm_v128_load(p);
  *lo = wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16);
  *hi = wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16);
}
INLINE void load8_q8(const uint8_t *p, float scale, v128_t *lo, v128_t *hi) {
  const v128_t q = wasm_i16x8_load8x8(p);
  const v128_t s = wasm_f32x4_splat(scale);
  *lo = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(q)), s);
  *hi = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(q)), s);
}

// Stores the 4 × 4 transpose of rows a, b, c, d: dst[8·i + 0..3] = (a[i], b[i], c[i], d[i]).
INLINE void store_transposed4(v128_t a, v128_t b, v128_t c, v128_t d, float *dst) {
  const v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
  wasm_v128_store(dst + 8, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
  wasm_v128_store(dst + 16, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
  wasm_v128_store(dst + 24, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
}

// One tile: MT (≤ MR) rows of x (stride ldx) × one panel P [kc][8]; adds into y (stride ldy), `cols` ≤ 8 valid columns.
INLINE void gemm_tile(const float *x, int ldx, const float *P, int kc, float *y, int ldy, int MT, int cols) {
  v128_t c[MR][2];
  for (int m = 0; m < MT; m++) c[m][0] = c[m][1] = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < kc; k++) {
    const v128_t w0 = wasm_v128_load(P + 8 * k), w1 = wasm_v128_load(P + 8 * k + 4);
    for (int m = 0; m < MT; m++) {
      const v128_t xv = wasm_v128_load32_splat(x + (size_t)m * ldx + k);
      c[m][0] = wasm_f32x4_add(c[m][0], wasm_f32x4_mul(xv, w0));
      c[m][1] = wasm_f32x4_add(c[m][1], wasm_f32x4_mul(xv, w1));
    }
  }
  for (int m = 0; m < MT; m++) {
    float *ym = y + (size_t)m * ldy;
    if (cols == 8) {
      wasm_v128_store(ym, wasm_f32x4_add(wasm_v128_load(ym), c[m][0]));
      wasm_v128_store(ym + 4, wasm_f32x4_add(wasm_v128_load(ym + 4), c[m][1]));
    } else {
      float t[8];
      wasm_v128_store(t, c[m][0]);
      wasm_v128_store(t + 4, c[m][1]);
      for (int j = 0; j < cols; j++) ym[j] += t[j];
    }
  }
}

// All rows of x against panels [npanels] (each [kc][8]), in groups of MR rows.
INLINE void gemm_panels(const float *x, int M, int ldx, const float *P, int npanels, int kc, float *y, int ldy, int col0,
                        int ncols) {
  for (int m0 = 0; m0 < M; m0 += MR) {
    const int mt = M - m0 < MR ? M - m0 : MR;
    const float *xm = x + (size_t)m0 * ldx;
    float *ym = y + (size_t)m0 * ldy + col0;
    for (int p = 0; p < npanels; p++) {
      const int cols = ncols - 8 * p < 8 ? ncols - 8 * p : 8;
      const float *Pp = P + (size_t)p * KC * 8;
      switch (mt) {
        case 1: gemm_tile(xm, ldx, Pp, kc, ym + 8 * p, ldy, 1, cols); break;
        case 2: gemm_tile(xm, ldx, Pp, kc, ym + 8 * p, ldy, 2, cols); break;
        case 3: gemm_tile(xm, ldx, Pp, kc, ym + 8 * p, ldy, 3, cols); break;
        default: gemm_tile(xm, ldx, Pp, kc, ym + 8 * p, ldy, MR, cols); break;
      }
    }
  }
}

// y [M, N] = x [M, K] · Wᵀ (+ bias) for output columns [n0, n1); x rows have stride K, W rows ldb bytes.
// The drivers stay out of line: inlined into the large linear_* functions, V8's register allocator spilled
// the tile's accumulators (27 instead of 43 GFLOP/s measured; MR = 5 or 6 spills too).
#define DEFINE_GEMM(T, BYTES)                                                                                          \
  static __attribute__((noinline)) void gemm_##T(const float *x, int M, int K, const uint8_t *w, int G, const float *ws, \
                                                 size_t ldb, const float *bias, float *y, int N, int n0, int n1) {  \
    float P[NC / 8 * KC * 8] __attribute__((aligned(16)));                                                         \
    for (int m = 0; m < M; m++)                                                                                    \
      for (int n = n0; n < n1; n++) y[(size_t)m * N + n] = bias ? bias[n] : 0.0f;                                  \
    for (int mb = 0; mb < M; mb += MC)                                                                             \
    for (int nb = n0; nb < n1; nb += NC) {                                                                         \
      const int ncols = n1 - nb < NC ? n1 - nb : NC;                                                               \
      const int npanels = (ncols + 7) / 8;                                                                         \
      for (int kb = 0; kb < K; kb += KC) {                                                                         \
        const int kc = K - kb < KC ? K - kb : KC;                                                                  \
        for (int p = 0; p < npanels; p++) {                                                                        \
          /* Whole panels: 4 rows × 8 inputs at a time, widened and transposed in registers (kb is a multiple  \
             of 8, so 8 inputs lie in one chunk of any layout); the rest element by element. */                \
          int k0 = 0;                                                                                              \
          if (ncols - 8 * p >= 8) {                                                                                \
            for (; k0 + 8 <= kc; k0 += 8)                                                                          \
              for (int j0 = 0; j0 < 8; j0 += 4) {                                                                  \
                v128_t lo[4], hi[4];                                                                               \
                for (int j = 0; j < 4; j++) {                                                                      \
                  const int row = nb + 8 * p + j0 + j;                                                             \
                  load8_##T(w + w_at(row, (size_t)(kb + k0) * BYTES, G, N, ldb), wscale_##T(ws, row, ldb, kb + k0), \
                            &lo[j], &hi[j]);                                                                       \
                }                                                                                                  \
                float *dst = P + (size_t)p * KC * 8 + 8 * k0 + j0;                                                 \
                store_transposed4(lo[0], lo[1], lo[2], lo[3], dst);                                                \
                store_transposed4(hi[0], hi[1], hi[2], hi[3], dst + 32);                                           \
              }                                                                                                    \
          }                                                                                                        \
          if (k0 < kc)                                                                                             \
            for (int j = 0; j < 8; j++) {                                                                          \
              float *dst = P + (size_t)p * KC * 8 + 8 * k0 + j;                                                    \
              const int row = nb + 8 * p + j;                                                                      \
              if (8 * p + j < ncols)                                                                               \
                wread_##T(w, ws, G, N, ldb, row, kb + k0, kc - k0, dst, 8);                                        \
              else                                                                                                 \
                for (int k = 0; k < kc - k0; k++) dst[8 * k] = 0.0f;                                               \
            }                                                                                                      \
        }                                                                                                          \
        gemm_panels(x + (size_t)mb * K + kb, M - mb < MC ? M - mb : MC, K, P, npanels, kc, y + (size_t)mb * N, N, nb, \
                    ncols);                                                                                        \
      }                                                                                                            \
    }                                                                                                              \
  }                                                                                                                \
  /* dX [M, K] = dY [M, N] · W for input columns [k0, k1): panels are 8 columns of W × KC of its rows. */         \
  static __attribute__((noinline)) void gemm_grad_##T(const float *dy, int M, int N, const uint8_t *w, int G,       \
                                                      const float *ws, size_t ldb, float *dx, int K, int k0, int k1) { \
    float P[NC / 8 * KC * 8] __attribute__((aligned(16)));                                                         \
    for (int m = 0; m < M; m++)                                                                                    \
      for (int k = k0; k < k1; k++) dx[(size_t)m * K + k] = 0.0f;                                                  \
    for (int mb = 0; mb < M; mb += MC)                                                                             \
    for (int cb = k0; cb < k1; cb += NC) {                                                                         \
      const int ncols = k1 - cb < NC ? k1 - cb : NC;                                                               \
      const int npanels = (ncols + 7) / 8;                                                                         \
      for (int nb = 0; nb < N; nb += KC) {                                                                         \
        const int kc = N - nb < KC ? N - nb : KC;                                                                  \
        for (int p = 0; p < npanels; p++)                                                                          \
          for (int r = 0; r < kc; r++) {                                                                           \
            float *dst = P + (size_t)p * KC * 8 + 8 * r;                                                           \
            const int cols = ncols - 8 * p < 8 ? ncols - 8 * p : 8;                                                \
            const int col = cb + 8 * p;                                                                            \
            const size_t kbyte = (size_t)col * BYTES;                                                              \
            if (cols == 8 && (G == 1 || (kbyte & 31) + 8 * BYTES <= 32)) {                                         \
              wread8_##T(w + w_at(nb + r, kbyte, G, N, ldb), wscale_##T(ws, nb + r, ldb, col), dst);               \
            } else {                                                                                               \
              wread_##T(w, ws, G, N, ldb, nb + r, col, cols, dst, 1);                                              \
              for (int j = cols; j < 8; j++) dst[j] = 0.0f;                                                        \
            }                                                                                                      \
          }                                                                                                        \
        gemm_panels(dy + (size_t)mb * N + nb, M - mb < MC ? M - mb : MC, N, P, npanels, kc, dx + (size_t)mb * K, K, cb, \
                    ncols);                                                                                        \
      }                                                                                                            \
    }                                                                                                              \
  }

DEFINE_GEMM(f32, 4)
DEFINE_GEMM(bf16, 2)
DEFINE_GEMM(q8, 1)

// q8 weights × float32 x (no activation rounding, x rows of stride Kp): the many-rows path of int8 storage.
EXPORT(gemm_q8_f32x)
void gemm_q8_f32x(const float *x, int M, int Kp, const int8_t *wq, int G, const float *ws, const float *bias, float *y,
                  int N, int n0, int n1) {
  gemm_q8(x, M, Kp, (const uint8_t *)wq, G, ws, (size_t)Kp, bias, y, N, n0, n1);
}

// Rows of W per cache block: the block is reused by every 4-row group of x (M up to 7).
INLINE int block_rows(int K, int bytes) {
  int rows = 98304 / (K * bytes + 1);
  if (rows < 4) rows = 4;
  if (rows > 256) rows = 256;
  return rows & ~3;
}

// Output rows [n0, n1) in tiles: 4 rows of W for up to 2 rows of x, 2 rows of W for 3–4 (registers), single
// rows where a tile would cross a packed group or the range. The tile shapes are compile-time constants in
// each branch, so clang keeps accumulators in registers. A statement used inside linear_f32/bf16/q8: it reads
// their M, N, n0, n1, NB, G, ldb, w, bias and y; ARGS_X(m0) and ARGS_W(n) give the tile's x and scale arguments.
#define GEMV_ROWS(TILE, ARGS_X, ARGS_W)                                                                            \
  for (int nb = n0; nb < n1; nb += NB) {                                                                           \
    const int ne = nb + NB < n1 ? nb + NB : n1;                                                                    \
    for (int m0 = 0; m0 < M; m0 += 4) {                                                                            \
      const int mt = M - m0 < 4 ? M - m0 : 4;                                                                      \
      const int nt = mt <= 2 ? 4 : 2;                                                                              \
      float *ym = y + (size_t)m0 * N;                                                                              \
      for (int n = nb; n < ne;) {                                                                                  \
        const int g = G == 1 ? n : n & ~3;                                                                         \
        const int R = N - g < G ? N - g : G;                                                                       \
        const size_t rs = G == 1 ? ldb : 32, cs = G == 1 ? 32 : (size_t)32 * R;                                    \
        const uint8_t *wn = w + (size_t)g * ldb + (size_t)(n - g) * rs;                                            \
        const float *bn = bias ? bias + n : 0;                                                                     \
        const int whole = n + nt <= ne && (G == 1 || ((n - g) % nt == 0 && n + nt <= g + R));                      \
        if (whole && nt == 4) {                                                                                    \
          if (mt == 1) TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 1, 4);                               \
          else TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 2, 4);                                       \
          n += 4;                                                                                                  \
        } else if (whole) {                                                                                        \
          if (mt == 3) TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 3, 2);                               \
          else TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 4, 2);                                       \
          n += 2;                                                                                                  \
        } else {                                                                                                   \
          switch (mt) {                                                                                            \
            case 1: TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 1, 1); break;                           \
            case 2: TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 2, 1); break;                           \
            case 3: TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 3, 1); break;                           \
            default: TILE(ARGS_X(m0), ARGS_W(n), wn, rs, cs, bn, ym + n, N, 4, 1); break;                          \
          }                                                                                                        \
          n += 1;                                                                                                  \
        }                                                                                                          \
      }                                                                                                            \
    }                                                                                                              \
  }

#define X_F(m0) x + (size_t)(m0) * K, K, K
#define W_NONE(n) 0
#define DEFINE_LINEAR(T, BYTES)                                                                                    \
  EXPORT(linear_##T)                                                                                               \
  void linear_##T(const float *x, int M, int K, const uint8_t *w, int G, const float *bias, float *y, int N, int n0, \
                  int n1) {                                                                                        \
    const size_t ldb = (size_t)K * BYTES;                                                                          \
    if (M >= GEMM_MIN_ROWS) {                                                                                      \
      gemm_##T(x, M, K, w, G, 0, ldb, bias, y, N, n0, n1);                                                         \
      return;                                                                                                      \
    }                                                                                                              \
    const int NB = block_rows(K, BYTES);                                                                           \
    GEMV_ROWS(vtile_##T, X_F, W_NONE)                                                                  \
  }

DEFINE_LINEAR(f32, 4)
DEFINE_LINEAR(bf16, 2)

// ---- q8: W as int8 [N, Kp] plus scales [N, Kp/32]; x quantized per block of 32 to int16 ----
// Activations go to int16 (not int8 as in llama.cpp's q8_0 × q8_0): i32x4.dot_i16x8_s costs the
// same, a block's sum cannot overflow (32 · 127 · 32767 < 2³¹), and the activation error is ~256×
// smaller, leaving the weights' rounding as the only loss.

// A q8 row's 32-byte chunk is one block; ws points at the tile's first row's scales (B per row). A block of
// W is widened to int16 once and multiplied with every row of x (i32x4.dot_i16x8_s: 8 multiply-adds each).
INLINE void vtile_q8(const int16_t *xq, const float *xs, int Kp, const float *ws, const uint8_t *w, size_t rs,
                     size_t cs, const float *bias, float *y, int ldy, int MT, int NT) {
  const int B = Kp >> 5;
  v128_t acc[4][4];
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) acc[m][n] = wasm_f32x4_splat(0.0f);
  for (int b = 0; b < B; b++) {
    const uint8_t *wb = w + (size_t)b * cs;
    for (int n = 0; n < NT; n++) {
      const v128_t w0 = wasm_v128_load(wb + n * rs), w1 = wasm_v128_load(wb + n * rs + 16);
      const v128_t q0 = wasm_i16x8_extend_low_i8x16(w0), q1 = wasm_i16x8_extend_high_i8x16(w0);
      const v128_t q2 = wasm_i16x8_extend_low_i8x16(w1), q3 = wasm_i16x8_extend_high_i8x16(w1);
      const float sw = ws[(size_t)n * B + b];
      for (int m = 0; m < MT; m++) {
        const int16_t *xb = xq + (size_t)m * Kp + b * 32;
        v128_t s = wasm_i32x4_dot_i16x8(q0, wasm_v128_load(xb));
        s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(q1, wasm_v128_load(xb + 8)));
        s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(q2, wasm_v128_load(xb + 16)));
        s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(q3, wasm_v128_load(xb + 24)));
        const v128_t scale = wasm_f32x4_splat(xs[(size_t)m * B + b] * sw);
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), scale));
      }
    }
  }
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) y[(size_t)m * ldy + n] = hsum(acc[m][n]) + (bias ? bias[n] : 0.0f);
}

#define X_Q(m0) xq + (size_t)(m0) * Kp, xs + (size_t)(m0) * (Kp >> 5), Kp
#define W_Q(n) ws + (size_t)(n) * (Kp >> 5)
EXPORT(linear_q8)
void linear_q8(const int16_t *xq, const float *xs, int M, int Kp, const uint8_t *w, int G, const float *ws,
               const float *bias, float *y, int N, int n0, int n1) {
  const size_t ldb = (size_t)Kp;
  const int NB = block_rows(Kp, 1);
  GEMV_ROWS(vtile_q8, X_Q, W_Q)
}

INLINE float absmax(const float *x, int n) {
  float a = 0.0f;
  for (int i = 0; i < n; i++) {
    const float v = x[i] < 0 ? -x[i] : x[i];
    if (v > a) a = v;
  }
  return a;
}

INLINE int round_half_away(float v) { return (int)(v < 0 ? v - 0.5f : v + 0.5f); }

// x [M, K] float32 → int16 [M, Kp] and scales [M, Kp/32] (zero padding past K). Rows [m0, m1).
EXPORT(quantize_x_q16)
void quantize_x_q16(const float *x, int K, int Kp, int16_t *xq, float *xs, int m0, int m1) {
  const int B = Kp >> 5;
  for (int m = m0; m < m1; m++) {
    for (int b = 0; b < B; b++) {
      const int k0 = b * 32, len = K - k0 < 32 ? K - k0 : 32;
      const float *src = x + (size_t)m * K + k0;
      int16_t *dst = xq + (size_t)m * Kp + k0;
      const float amax = len > 0 ? absmax(src, len) : 0.0f;
      const float scale = amax / 32767.0f;
      const float inv = amax > 0 ? 32767.0f / amax : 0.0f;
      for (int i = 0; i < len; i++) dst[i] = (int16_t)round_half_away(src[i] * inv);
      for (int i = len < 0 ? 0 : len; i < 32; i++) dst[i] = 0;
      xs[(size_t)m * B + b] = scale;
    }
  }
}

// W [N, K] float32 → int8 [N, Kp] row-major and scales [N, Kp/32] (llama.cpp's q8_0 rule: scale = absmax/127).
// Rows [n0, n1). pack_rows then moves the int8 rows into the packed layout.
EXPORT(quantize_w_q8)
void quantize_w_q8(const float *w, int K, int Kp, int8_t *wq, float *ws, int n0, int n1) {
  const int B = Kp >> 5;
  for (int n = n0; n < n1; n++) {
    for (int b = 0; b < B; b++) {
      const int k0 = b * 32, len = K - k0 < 32 ? K - k0 : 32;
      const float *src = w + (size_t)n * K + k0;
      int8_t *dst = wq + (size_t)n * Kp + k0;
      const float amax = len > 0 ? absmax(src, len) : 0.0f;
      const float inv = amax > 0 ? 127.0f / amax : 0.0f;
      for (int i = 0; i < len; i++) dst[i] = (int8_t)round_half_away(src[i] * inv);
      for (int i = len < 0 ? 0 : len; i < 32; i++) dst[i] = 0;
      ws[(size_t)n * B + b] = amax / 127.0f;
    }
  }
}

// Row-major rows (ldb bytes each, ldb a multiple of 32) → rows row0 + [i0, i1) of a packed matrix of N rows.
EXPORT(pack_rows)
void pack_rows(const uint8_t *src, uint8_t *w, int N, int ldb, int row0, int i0, int i1) {
  for (int i = i0; i < i1; i++) {
    const uint8_t *s = src + (size_t)i * ldb;
    for (int c = 0; c < ldb; c += 32) {
      uint8_t *d = w + w_at(row0 + i, (size_t)c, 4, N, (size_t)ldb);
      wasm_v128_store(d, wasm_v128_load(s + c));
      wasm_v128_store(d + 16, wasm_v128_load(s + c + 16));
    }
  }
}

// Rows [r0, r1) of a packed matrix → row-major at dst (row r at dst + (r − r0)·ldb).
EXPORT(unpack_rows)
void unpack_rows(const uint8_t *w, int N, int ldb, uint8_t *dst, int r0, int r1) {
  for (int r = r0; r < r1; r++) {
    uint8_t *d = dst + (size_t)(r - r0) * ldb;
    for (int c = 0; c < ldb; c += 32) {
      const uint8_t *s = w + w_at(r, (size_t)c, 4, N, (size_t)ldb);
      wasm_v128_store(d + c, wasm_v128_load(s));
      wasm_v128_store(d + c + 16, wasm_v128_load(s + 16));
    }
  }
}

// ---- input gradient dX[m, k] = Σ_n dY[m, n] · W[n, k], for columns [k0, k1) ----
// k0 is a multiple of 8 (the pool hands out columns in multiples of 32), so the 8 columns a tile reads of a
// row lie in one 32-byte chunk of any layout.
INLINE v128_t col4_f32(const uint8_t *p, int j, const float *ws, int n, int B, int k) {
  (void)ws, (void)n, (void)B, (void)k;
  return wasm_v128_load(p + 16 * j);
}
INLINE v128_t col4_bf16(const uint8_t *p, int j, const float *ws, int n, int B, int k) {
  (void)ws, (void)n, (void)B, (void)k;
  return wasm_i32x4_shl(wasm_u32x4_load16x4(p + 8 * j), 16);
}
INLINE v128_t col4_q8(const uint8_t *p, int j, const float *ws, int n, int B, int k) {
  const v128_t q = wasm_i32x4_extend_low_i16x8(wasm_i16x8_load8x8(p + 4 * j));
  return wasm_f32x4_mul(wasm_f32x4_convert_i32x4(q), wasm_f32x4_splat(ws[(size_t)n * B + (k >> 5)]));
}

// `ldw` is W's row length in elements (K, or Kp for q8); dX has row length `K`.
#define DEFINE_LINEAR_GRAD(T, BYTES)                                                                               \
  INLINE void gtile_##T(const float *dy, int N, const uint8_t *w, int G, size_t ldb, const float *ws, float *dx,   \
                        int K, int k, int MT) {                                                                    \
    v128_t acc[4][2];                                                                                              \
    for (int m = 0; m < MT; m++) acc[m][0] = acc[m][1] = wasm_f32x4_splat(0.0f);                                   \
    const int B = (int)(ldb >> 5);                                                                                 \
    for (int n = 0; n < N; n++) {                                                                                  \
      const uint8_t *p = w + w_at(n, (size_t)k * BYTES, G, N, ldb);                                                \
      const v128_t w0 = col4_##T(p, 0, ws, n, B, k), w1 = col4_##T(p, 1, ws, n, B, k);                            \
      for (int m = 0; m < MT; m++) {                                                                               \
        const v128_t g = wasm_v128_load32_splat(dy + (size_t)m * N + n);                                           \
        acc[m][0] = wasm_f32x4_add(acc[m][0], wasm_f32x4_mul(g, w0));                                              \
        acc[m][1] = wasm_f32x4_add(acc[m][1], wasm_f32x4_mul(g, w1));                                              \
      }                                                                                                            \
    }                                                                                                              \
    for (int m = 0; m < MT; m++) {                                                                                 \
      wasm_v128_store(dx + (size_t)m * K + k, acc[m][0]);                                                          \
      wasm_v128_store(dx + (size_t)m * K + k + 4, acc[m][1]);                                                      \
    }                                                                                                              \
  }                                                                                                                \
  EXPORT(linear_grad_##T)                                                                                          \
  void linear_grad_##T(const float *dy, int M, int N, const uint8_t *w, int G, int ldw, const float *ws, float *dx, \
                       int K, int k0, int k1) {                                                                    \
    const size_t ldb = (size_t)ldw * BYTES;                                                                        \
    if (M >= GEMM_MIN_ROWS) {                                                                                      \
      gemm_grad_##T(dy, M, N, w, G, ws, ldb, dx, K, k0, k1);                                                       \
      return;                                                                                                      \
    }                                                                                                              \
    for (int m0 = 0; m0 < M; m0 += 4) {                                                                            \
      const int mt = M - m0 < 4 ? M - m0 : 4;                                                                      \
      const float *dym = dy + (size_t)m0 * N;                                                                      \
      float *dxm = dx + (size_t)m0 * K;                                                                            \
      int k = k0;                                                                                                  \
      for (; k + 8 <= k1; k += 8) switch (mt) {                                                                    \
          case 1: gtile_##T(dym, N, w, G, ldb, ws, dxm, K, k, 1); break;                                           \
          case 2: gtile_##T(dym, N, w, G, ldb, ws, dxm, K, k, 2); break;                                           \
          case 3: gtile_##T(dym, N, w, G, ldb, ws, dxm, K, k, 3); break;                                           \
          default: gtile_##T(dym, N, w, G, ldb, ws, dxm, K, k, 4); break;                                          \
        }                                                                                                          \
      for (; k < k1; k++)                                                                                          \
        for (int m = 0; m < mt; m++) {                                                                             \
          float s = 0.0f;                                                                                          \
          for (int n = 0; n < N; n++) s = s + dym[(size_t)m * N + n] * wget_##T(w, ws, G, N, ldb, n, k);           \
          dxm[(size_t)m * K + k] = s;                                                                              \
        }                                                                                                          \
    }                                                                                                              \
  }

DEFINE_LINEAR_GRAD(f32, 4)
DEFINE_LINEAR_GRAD(bf16, 2)
DEFINE_LINEAR_GRAD(q8, 1)

// float32 → bfloat16, rounding to nearest even (NaN stays NaN). Elements [i0, i1).
EXPORT(f32_to_bf16)
void f32_to_bf16(const uint32_t *src, uint16_t *dst, int i0, int i1) {
  for (int i = i0; i < i1; i++) {
    const uint32_t u = src[i];
    if ((u & 0x7fffffffu) > 0x7f800000u) dst[i] = (uint16_t)((u >> 16) | 0x40);
    else dst[i] = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
}
