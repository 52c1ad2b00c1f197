// One linear layer, decode-sized (M = 1, 2) and prefill/training-sized (M ≥ 8: the engine's GEMM path), through
// the engine (f32 and bf16 storage) and through tfjs-wasm matMul (XNNPACK), alternating; then the input gradient
// dX = dY·W the same way. Prints medians, GFLOP/s and the tfjs/engine time ratio (> 1: the engine is faster).
// Not a test.  npx tsx packages/core/bench/engine-vs-tfjs.ts   (ALIGNDIAL_THREADS=1 by default)
import { EngineMatrix, configureEngineThreads, engineLinear, initBackend, shutdownEngineThreads, tf } from '../src/index.js';

await initBackend('wasm');
configureEngineThreads(Number(process.env.ALIGNDIAL_THREADS ?? 1));
const shapes: [number, number, number][] = [
  [1, 32000, 288],
  [1, 1536, 576],
  [2, 1536, 576],
  [1, 2048, 768],
  [64, 1536, 576],
  [256, 1536, 576],
  [512, 576, 576],
  [512, 1536, 576],
  [512, 576, 1536],
];
const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
const time = (f: () => tf.Tensor | Float32Array) => {
  const t0 = performance.now();
  const y = f();
  if (!(y instanceof Float32Array)) {
    y.dataSync();
    y.dispose();
  }
  return performance.now() - t0;
};
for (const [M, N, K] of shapes) {
  const w = tf.randomNormal([N, K]) as tf.Tensor2D;
  const wt = tf.transpose(w) as tf.Tensor2D;
  const x = tf.randomNormal([M, K]) as tf.Tensor2D;
  const dy = tf.randomNormal([M, N]) as tf.Tensor2D;
  const dyData = dy.dataSync() as Float32Array;
  const wData = w.dataSync() as Float32Array;
  const f32 = EngineMatrix.fromFloat32(wData, N, K, 'f32', 'bench f32');
  const bf16 = EngineMatrix.fromFloat32(wData, N, K, 'bf16', 'bench bf16');
  const reps = Math.max(5, Math.round(3e8 / (2 * M * N * K)));
  const t = { f32: [] as number[], bf16: [] as number[], tfjs: [] as number[], gf32: [] as number[], gbf16: [] as number[], gtfjs: [] as number[] };
  for (let r = 0; r < reps; r++) {
    t.f32.push(time(() => engineLinear(x, f32)));
    t.bf16.push(time(() => engineLinear(x, bf16)));
    t.tfjs.push(time(() => tf.matMul(x, wt)));
    if (M >= 8) {
      t.gf32.push(time(() => f32.linearGrad(dyData, M)));
      t.gbf16.push(time(() => bf16.linearGrad(dyData, M)));
      t.gtfjs.push(time(() => tf.matMul(dy, w)));
    }
  }
  const gf = (ms: number) => ((2 * M * N * K) / (ms / 1000) / 1e9).toFixed(1);
  const row = (label: string, a: number[], b: number[], c: number[]) =>
    `${label} engine f32 ${gf(med(a))} / bf16 ${gf(med(b))} / tfjs ${gf(med(c))} GFLOP/s  (tfjs/engine time: f32 ${(med(c) / med(a)).toFixed(2)}, bf16 ${(med(c) / med(b)).toFixed(2)})`;
  console.log(`M=${M} N=${N} K=${K}  y=x·Wᵀ: ${row('', t.f32, t.bf16, t.tfjs)}`);
  if (M >= 8) console.log(`M=${M} N=${N} K=${K}  dX=dY·W: ${row('', t.gf32, t.gbf16, t.gtfjs)}`);
  f32.dispose();
  bf16.dispose();
  tf.dispose([w, wt, x, dy]);
}
shutdownEngineThreads();
