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

INLINE v128_t load4_f32(const void *w, int k) { return wasm_v128_load((const float *)w + k); }
INLINE v128_t load4_bf16(const void *w, int k) { return wasm_i32x4_shl(wasm_u32x4_load16x4((const uint16_t *)w + k), 16); }
INLINE float load1_f32(const void *w, int k) { return ((const float *)w)[k]; }
INLINE float load1_bf16(const void *w, int k) {
  union { uint32_t u; float f; } v = {.u = (uint32_t)((const uint16_t *)w)[k] << 16};
  return v.f;
}

// One tile: MT rows of x × NT rows of W, one f32x4 accumulator per output, k in steps of 4.
#define DEFINE_TILE(T, BYTES)                                                                                      \
  INLINE void tile_##T(const float *x, int K, const uint8_t *w, const float *bias, float *y, int ldy, int MT,      \
                       int NT) {                                                                                   \
    v128_t acc[4][4];                                                                                              \
    for (int m = 0; m < MT; m++)                                                                                   \
      for (int n = 0; n < NT; n++) acc[m][n] = wasm_f32x4_splat(0.0f);                                             \
    const int K4 = K & ~3;                                                                                         \
    for (int k = 0; k < K4; k += 4) {                                                                              \
      v128_t wv[4];                                                                                                \
      for (int n = 0; n < NT; n++) wv[n] = load4_##T(w + (size_t)n * K * BYTES, k);                                \
      for (int m = 0; m < MT; m++) {                                                                               \
        const v128_t xv = wasm_v128_load(x + (size_t)m * K + k);                                                   \
        for (int n = 0; n < NT; n++) acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(xv, wv[n]));             \
      }                                                                                                            \
    }                                                                                                              \
    for (int m = 0; m < MT; m++)                                                                                   \
      for (int n = 0; n < NT; n++) {                                                                               \
        float s = hsum(acc[m][n]);                                                                                 \
        for (int k = K4; k < K; k++) s += x[(size_t)m * K + k] * load1_##T(w + (size_t)n * K * BYTES, k);          \
        if (bias) s += bias[n];                                                                                    \
        y[(size_t)m * ldy + n] = s;                                                                                \
      }                                                                                                            \
  }

DEFINE_TILE(f32, 4)
DEFINE_TILE(bf16, 2)


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

// Reads element k of row `row` of a weight matrix with row length `ld` (scales: q8 only).
INLINE float wget_f32(const uint8_t *w, const float *ws, int ld, int row, int k) {
  (void)ws;
  return ((const float *)w)[(size_t)row * ld + k];
}
INLINE float wget_bf16(const uint8_t *w, const float *ws, int ld, int row, int k) {
  (void)ws;
  return load1_bf16(w + (size_t)row * ld * 2, k);
}
INLINE float wget_q8(const uint8_t *w, const float *ws, int ld, int row, int k) {
  return (float)((const int8_t *)w)[(size_t)row * ld + k] * ws[(size_t)row * (ld >> 5) + (k >> 5)];
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

// y [M, N] = x [M, K] · Wᵀ (+ bias) for output columns [n0, n1); W rows have length ld (K, or Kp for q8).
// The drivers stay out of line: inlined into the large linear_* functions, V8's register allocator spilled
// the tile's accumulators (27 instead of 43 GFLOP/s measured; MR = 5 or 6 spills too).
#define DEFINE_GEMM(T)                                                                                             \
  static __attribute__((noinline)) void gemm_##T(const float *x, int M, int K, const uint8_t *w, const float *ws, int ld, const float *bias,   \
                       float *y, int N, int n0, int n1) {                                                          \
    float P[NC / 8 * KC * 8] __attribute__((aligned(16)));                                                         \
    for (int m = 0; m < M; m++)                                                                                    \
      for (int n = n0; n < n1; n++) y[(size_t)m * N + n] = bias ? bias[n] : 0.0f;                                  \
    for (int mb = 0; mb < M; mb += MC)                                                                             \
    for (int nb = n0; nb < n1; nb += NC) {                                                                         \
      const int ncols = n1 - nb < NC ? n1 - nb : NC;                                                               \
      const int npanels = (ncols + 7) / 8;                                                                         \
      for (int kb = 0; kb < K; kb += KC) {                                                                         \
        const int kc = K - kb < KC ? K - kb : KC;                                                                  \
        for (int p = 0; p < npanels; p++)                                                                          \
          for (int j = 0; j < 8; j++) {                                                                            \
            float *dst = P + (size_t)p * KC * 8 + j;                                                               \
            const int row = nb + 8 * p + j;                                                                        \
            if (8 * p + j < ncols)                                                                                 \
              for (int k = 0; k < kc; k++) dst[8 * k] = wget_##T(w, ws, ld, row, kb + k);                          \
            else                                                                                                   \
              for (int k = 0; k < kc; k++) dst[8 * k] = 0.0f;                                                      \
          }                                                                                                        \
        gemm_panels(x + (size_t)mb * K + kb, M - mb < MC ? M - mb : MC, K, P, npanels, kc, y + (size_t)mb * N, N, nb, \
                    ncols);                                                                                        \
      }                                                                                                            \
    }                                                                                                              \
  }                                                                                                                \
  /* dX [M, K] = dY [M, N] · W for input columns [k0, k1): panels are 8 columns of W × KC of its rows. */         \
  static __attribute__((noinline)) void gemm_grad_##T(const float *dy, int M, int N, const uint8_t *w, const float *ws, int ld, float *dx,     \
                            int K, int k0, int k1) {                                                               \
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
            for (int j = 0; j < 8; j++) {                                                                          \
              const int col = cb + 8 * p + j;                                                                      \
              dst[j] = 8 * p + j < ncols ? wget_##T(w, ws, ld, nb + r, col) : 0.0f;                                \
            }                                                                                                      \
          }                                                                                                        \
        gemm_panels(dy + (size_t)mb * N + nb, M - mb < MC ? M - mb : MC, N, P, npanels, kc, dx + (size_t)mb * K, K, cb, \
                    ncols);                                                                                        \
      }                                                                                                            \
    }                                                                                                              \
  }

DEFINE_GEMM(f32)
DEFINE_GEMM(bf16)
DEFINE_GEMM(q8)

// q8 weights × float32 x (no activation rounding): the many-rows path of int8 storage.
EXPORT(gemm_q8_f32x)
void gemm_q8_f32x(const float *x, int M, int Kp, int K, const int8_t *wq, const float *ws, const float *bias, float *y,
                  int N, int n0, int n1) {
  gemm_q8(x, M, K, (const uint8_t *)wq, ws, Kp, bias, y, N, n0, n1);
}

// Rows of W per cache block: the block is reused by every 4-row group of x (prefill, training).
INLINE int block_rows(int K, int bytes) {
  int rows = 98304 / (K * bytes + 1);
  if (rows < 4) rows = 4;
  if (rows > 256) rows = 256;
  return rows & ~3;
}

// The tile shapes are compile-time constants in each branch, so clang keeps accumulators in registers.
#define DEFINE_LINEAR(T, BYTES)                                                                                    \
  EXPORT(linear_##T)                                                                                               \
  void linear_##T(const float *x, int M, int K, const uint8_t *w, const float *bias, float *y, int N, int n0,      \
                  int n1) {                                                                                        \
    if (M >= GEMM_MIN_ROWS) {                                                                                      \
      gemm_##T(x, M, K, w, 0, K, bias, y, N, n0, n1);                                                              \
      return;                                                                                                      \
    }                                                                                                              \
    const int NB = block_rows(K, BYTES);                                                                           \
    for (int nb = n0; nb < n1; nb += NB) {                                                                         \
      const int ne = nb + NB < n1 ? nb + NB : n1;                                                                  \
      for (int m0 = 0; m0 < M; m0 += 4) {                                                                          \
        const int mt = M - m0 < 4 ? M - m0 : 4;                                                                    \
        const float *xm = x + (size_t)m0 * K;                                                                      \
        float *ym = y + (size_t)m0 * N;                                                                            \
        int n = nb;                                                                                                \
        if (mt <= 2) {                                                                                             \
          for (; n + 4 <= ne; n += 4) {                                                                            \
            const uint8_t *wn = w + (size_t)n * K * BYTES;                                                         \
            const float *bn = bias ? bias + n : 0;                                                                 \
            if (mt == 1) tile_##T(xm, K, wn, bn, ym + n, N, 1, 4);                                                 \
            else tile_##T(xm, K, wn, bn, ym + n, N, 2, 4);                                                         \
          }                                                                                                        \
        } else {                                                                                                   \
          for (; n + 2 <= ne; n += 2) {                                                                            \
            const uint8_t *wn = w + (size_t)n * K * BYTES;                                                         \
            const float *bn = bias ? bias + n : 0;                                                                 \
            if (mt == 3) tile_##T(xm, K, wn, bn, ym + n, N, 3, 2);                                                 \
            else tile_##T(xm, K, wn, bn, ym + n, N, 4, 2);                                                         \
          }                                                                                                        \
        }                                                                                                          \
        for (; n < ne; n++) {                                                                                      \
          const uint8_t *wn = w + (size_t)n * K * BYTES;                                                           \
          const float *bn = bias ? bias + n : 0;                                                                   \
          switch (mt) {                                                                                            \
            case 1: tile_##T(xm, K, wn, bn, ym + n, N, 1, 1); break;                                               \
            case 2: tile_##T(xm, K, wn, bn, ym + n, N, 2, 1); break;                                               \
            case 3: tile_##T(xm, K, wn, bn, ym + n, N, 3, 1); break;                                               \
            default: tile_##T(xm, K, wn, bn, ym + n, N, 4, 1); break;                                              \
          }                                                                                                        \
        }                                                                                                          \
      }                                                                                                            \
    }                                                                                                              \
  }

DEFINE_LINEAR(f32, 4)
DEFINE_LINEAR(bf16, 2)

// ---- q8: W as int8 [N, Kp] plus scales [N, Kp/32]; x quantized per block of 32 to int16 ----
// Activations go to int16 (not int8 as in llama.cpp's q8_0 × q8_0): i32x4.dot_i16x8_s costs the
// same, a block's sum cannot overflow (32 · 127 · 32767 < 2³¹), and the activation error is ~256×
// smaller, leaving the weights' rounding as the only loss.

INLINE v128_t block_dot(const int8_t *w, const int16_t *x) {
  const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 16);
  v128_t s = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w0), wasm_v128_load(x));
  s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w0), wasm_v128_load(x + 8)));
  s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w1), wasm_v128_load(x + 16)));
  return wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w1), wasm_v128_load(x + 24)));
}

INLINE void tile_q8(const int16_t *xq, const float *xs, int Kp, const int8_t *wq, const float *ws, const float *bias,
                    float *y, int ldy, int MT, int NT) {
  const int B = Kp >> 5;
  v128_t acc[4][4];
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) acc[m][n] = wasm_f32x4_splat(0.0f);
  for (int b = 0; b < B; b++) {
    for (int m = 0; m < MT; m++) {
      const int16_t *xb = xq + (size_t)m * Kp + b * 32;
      const float sx = xs[(size_t)m * B + b];
      for (int n = 0; n < NT; n++) {
        const v128_t s = block_dot(wq + (size_t)n * Kp + b * 32, xb);
        const v128_t scale = wasm_f32x4_splat(sx * ws[(size_t)n * B + b]);
        acc[m][n] = wasm_f32x4_add(acc[m][n], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), scale));
      }
    }
  }
  for (int m = 0; m < MT; m++)
    for (int n = 0; n < NT; n++) y[(size_t)m * ldy + n] = hsum(acc[m][n]) + (bias ? bias[n] : 0.0f);
}

EXPORT(linear_q8)
void linear_q8(const int16_t *xq, const float *xs, int M, int Kp, const int8_t *wq, const float *ws, const float *bias,
               float *y, int N, int n0, int n1) {
  const int B = Kp >> 5;
  const int NB = block_rows(Kp, 1);
  for (int nb = n0; nb < n1; nb += NB) {
    const int ne = nb + NB < n1 ? nb + NB : n1;
    for (int m0 = 0; m0 < M; m0 += 4) {
      const int mt = M - m0 < 4 ? M - m0 : 4;
      const int16_t *xm = xq + (size_t)m0 * Kp;
      const float *sm = xs + (size_t)m0 * B;
      float *ym = y + (size_t)m0 * N;
      int n = nb;
      for (; n + 2 <= ne; n += 2) {
        const int8_t *wn = wq + (size_t)n * Kp;
        const float *sn = ws + (size_t)n * B;
        const float *bn = bias ? bias + n : 0;
        switch (mt) {
          case 1: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 1, 2); break;
          case 2: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 2, 2); break;
          case 3: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 3, 2); break;
          default: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 4, 2); break;
        }
      }
      for (; n < ne; n++) {
        const int8_t *wn = wq + (size_t)n * Kp;
        const float *sn = ws + (size_t)n * B;
        const float *bn = bias ? bias + n : 0;
        switch (mt) {
          case 1: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 1, 1); break;
          case 2: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 2, 1); break;
          case 3: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 3, 1); break;
          default: tile_q8(xm, sm, Kp, wn, sn, bn, ym + n, N, 4, 1); break;
        }
      }
    }
  }
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
      const float amax = absmax(src, len);
      const float scale = amax / 32767.0f;
      const float inv = amax > 0 ? 32767.0f / amax : 0.0f;
      for (int i = 0; i < len; i++) dst[i] = (int16_t)round_half_away(src[i] * inv);
      for (int i = len; i < 32; i++) dst[i] = 0;
      xs[(size_t)m * B + b] = scale;
    }
  }
}

// W [N, K] float32 → int8 [N, Kp] and scales [N, Kp/32] (llama.cpp's q8_0 rule: scale = absmax/127). Rows [n0, n1).
EXPORT(quantize_w_q8)
void quantize_w_q8(const float *w, int K, int Kp, int8_t *wq, float *ws, int n0, int n1) {
  const int B = Kp >> 5;
  for (int n = n0; n < n1; n++) {
    for (int b = 0; b < B; b++) {
      const int k0 = b * 32, len = K - k0 < 32 ? K - k0 : 32;
      const float *src = w + (size_t)n * K + k0;
      int8_t *dst = wq + (size_t)n * Kp + k0;
      const float amax = absmax(src, len);
      const float inv = amax > 0 ? 127.0f / amax : 0.0f;
      for (int i = 0; i < len; i++) dst[i] = (int8_t)round_half_away(src[i] * inv);
      for (int i = len; i < 32; i++) dst[i] = 0;
      ws[(size_t)n * B + b] = amax / 127.0f;
    }
  }
}

// ---- input gradient dX[m, k] = Σ_n dY[m, n] · W[n, k], for columns [k0, k1) ----
INLINE v128_t col4_f32(const void *w, int K, int n, int k, const float *ws) {
  (void)ws;
  return wasm_v128_load((const float *)w + (size_t)n * K + k);
}
INLINE v128_t col4_bf16(const void *w, int K, int n, int k, const float *ws) {
  (void)ws;
  return load4_bf16((const uint16_t *)w + (size_t)n * K, k);
}
INLINE v128_t col4_q8(const void *w, int K, int n, int k, const float *ws) {
  const v128_t q = wasm_i32x4_extend_low_i16x8(wasm_i16x8_load8x8((const int8_t *)w + (size_t)n * K + k));
  return wasm_f32x4_mul(wasm_f32x4_convert_i32x4(q), wasm_f32x4_splat(ws[(size_t)n * (K >> 5) + (k >> 5)]));
}
INLINE float col1_f32(const void *w, int K, int n, int k, const float *ws) {
  (void)ws;
  return ((const float *)w)[(size_t)n * K + k];
}
INLINE float col1_bf16(const void *w, int K, int n, int k, const float *ws) {
  (void)ws;
  return load1_bf16((const uint16_t *)w + (size_t)n * K, k);
}
INLINE float col1_q8(const void *w, int K, int n, int k, const float *ws) {
  return (float)((const int8_t *)w)[(size_t)n * K + k] * ws[(size_t)n * (K >> 5) + (k >> 5)];
}

// `ldw` is W's row length in elements (K, or Kp for q8); dX has row length `K`.
#define DEFINE_LINEAR_GRAD(T)                                                                                      \
  INLINE void gtile_##T(const float *dy, int N, const void *w, int ldw, const float *ws, float *dx, int K, int k,   \
                        int MT, int KV) {                                                                          \
    v128_t acc[4][2];                                                                                              \
    for (int m = 0; m < MT; m++)                                                                                   \
      for (int j = 0; j < KV; j++) acc[m][j] = wasm_f32x4_splat(0.0f);                                             \
    for (int n = 0; n < N; n++) {                                                                                  \
      v128_t wv[2];                                                                                                \
      for (int j = 0; j < KV; j++) wv[j] = col4_##T(w, ldw, n, k + 4 * j, ws);                                     \
      for (int m = 0; m < MT; m++) {                                                                               \
        const v128_t g = wasm_v128_load32_splat(dy + (size_t)m * N + n);                                           \
        for (int j = 0; j < KV; j++) acc[m][j] = wasm_f32x4_add(acc[m][j], wasm_f32x4_mul(g, wv[j]));              \
      }                                                                                                            \
    }                                                                                                              \
    for (int m = 0; m < MT; m++)                                                                                   \
      for (int j = 0; j < KV; j++) wasm_v128_store(dx + (size_t)m * K + k + 4 * j, acc[m][j]);                     \
  }                                                                                                                \
  EXPORT(linear_grad_##T)                                                                                          \
  void linear_grad_##T(const float *dy, int M, int N, const void *w, int ldw, const float *ws, float *dx, int K,   \
                       int k0, int k1) {                                                                           \
    if (M >= GEMM_MIN_ROWS) {                                                                                      \
      gemm_grad_##T(dy, M, N, (const uint8_t *)w, ws, ldw, dx, K, k0, k1);                                         \
      return;                                                                                                      \
    }                                                                                                              \
    for (int m0 = 0; m0 < M; m0 += 4) {                                                                            \
      const int mt = M - m0 < 4 ? M - m0 : 4;                                                                      \
      const float *dym = dy + (size_t)m0 * N;                                                                      \
      float *dxm = dx + (size_t)m0 * K;                                                                            \
      int k = k0;                                                                                                  \
      for (; k + 8 <= k1; k += 8) switch (mt) {                                                                    \
          case 1: gtile_##T(dym, N, w, ldw, ws, dxm, K, k, 1, 2); break;                                           \
          case 2: gtile_##T(dym, N, w, ldw, ws, dxm, K, k, 2, 2); break;                                           \
          case 3: gtile_##T(dym, N, w, ldw, ws, dxm, K, k, 3, 2); break;                                           \
          default: gtile_##T(dym, N, w, ldw, ws, dxm, K, k, 4, 2); break;                                          \
        }                                                                                                          \
      for (; k < k1; k++)                                                                                          \
        for (int m = 0; m < mt; m++) {                                                                             \
          float s = 0.0f;                                                                                          \
          for (int n = 0; n < N; n++) s = s + dym[(size_t)m * N + n] * col1_##T(w, ldw, n, k, ws);                 \
          dxm[(size_t)m * K + k] = s;                                                                              \
        }                                                                                                          \
    }                                                                                                              \
  }

DEFINE_LINEAR_GRAD(f32)
DEFINE_LINEAR_GRAD(bf16)
DEFINE_LINEAR_GRAD(q8)

// float32 → bfloat16, rounding to nearest even (NaN stays NaN). Elements [i0, i1).
EXPORT(f32_to_bf16)
void f32_to_bf16(const uint32_t *src, uint16_t *dst, int i0, int i1) {
  for (int i = i0; i < i1; i++) {
    const uint32_t u = src[i];
    if ((u & 0x7fffffffu) > 0x7f800000u) dst[i] = (uint16_t)((u >> 16) | 0x40);
    else dst[i] = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
}
