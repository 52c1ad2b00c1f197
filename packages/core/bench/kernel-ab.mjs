#!/usr/bin/env node
// A/B of kernel source variants in one process, alternating call by call (this machine's speed drifts by
// ±30 % over minutes, so only side-by-side numbers compare): bf16 linear and input gradient, one thread.
// Not a test.  node packages/core/bench/kernel-ab.mjs src/engine/kernels/linear.c /tmp/variant.c ...
// Needs Debian's clang-14 and wasm-ld-14 (as scripts/build-engine-wasm.mjs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CFLAGS, LDFLAGS } from '../scripts/build-engine-wasm.mjs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node packages/core/bench/kernel-ab.mjs A.c [B.c ...]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'aligndial-kernel-ab-'));
const mods = files.map((f, i) => {
  execFileSync('clang-14', [...CFLAGS.filter((c) => c !== '-Werror'), '-c', f, '-o', join(dir, `${i}.o`)]);
  execFileSync('wasm-ld-14', [...LDFLAGS.filter((c) => c !== '--strip-all'), '-o', join(dir, `${i}.wasm`), join(dir, `${i}.o`)]);
  const memory = new WebAssembly.Memory({ initial: 4096, maximum: 65536, shared: true });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, `${i}.wasm`))), { env: { memory } });
  /** @typedef {(...args: number[]) => void} Kernel */
  const k = /** @type {{ linear_bf16: Kernel, linear_grad_bf16: Kernel }} */ (/** @type {unknown} */ (inst.exports));
  return { f, k, memory };
});
// Weights in the packed layout (linear.c), as every EngineMatrix holds them; K a multiple of 16 (whole chunks).
const PACKED = 4;
// SHAPES='[[M,N,K],...]' overrides the default shapes.
const shapes = JSON.parse(process.env.SHAPES ?? "null") ?? [[512, 576, 576], [2048, 3072, 576], [2048, 576, 1536], [1, 1536, 576], [1, 32000, 288]];
for (const [M, N, K] of shapes) {
  const res = mods.map(() => ({ lin: /** @type {number[]} */ ([]), grad: /** @type {number[]} */ ([]) }));
  const base = 1 << 20;
  const wOff = base, xOff = wOff + N * K * 2 + 64, yOff = xOff + M * K * 4 + 64, dyOff = yOff + M * N * 4 + 64, dxOff = dyOff + M * N * 4 + 64;
  for (const m of mods) {
    const u16 = new Uint16Array(m.memory.buffer, wOff, N * K); for (let i = 0; i < u16.length; i++) u16[i] = 0x3c00 + (i * 7919) % 1000;
    const x = new Float32Array(m.memory.buffer, xOff, M * K); for (let i = 0; i < x.length; i++) x[i] = ((i * 31) % 100) / 100 - 0.5;
    const dy = new Float32Array(m.memory.buffer, dyOff, M * N); for (let i = 0; i < dy.length; i++) dy[i] = ((i * 17) % 100) / 100 - 0.5;
  }
  const reps = Math.max(6, Math.min(200, Math.round(3e9 / (2 * M * N * K))));
  for (let r = 0; r < reps; r++) {
    mods.forEach((m, i) => {
      let t0 = performance.now(); m.k.linear_bf16(xOff, M, K, wOff, PACKED, 0, yOff, N, 0, N); res[i].lin.push(performance.now() - t0);
      if (M > 1) { t0 = performance.now(); m.k.linear_grad_bf16(dyOff, M, N, wOff, PACKED, K, 0, dxOff, K, 0, K); res[i].grad.push(performance.now() - t0); }
    });
  }
  const med = (/** @type {number[]} */ v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const gf = (/** @type {number} */ ms) => ((2 * M * N * K) / ms / 1e6).toFixed(1);
  console.log(`M=${M} N=${N} K=${K}: ` + mods.map((m, i) => `${m.f.split('/').pop()} lin ${gf(med(res[i].lin))}${M > 1 ? ' grad ' + gf(med(res[i].grad)) : ''}`).join(' | '));
}
