// One linear layer, decode-sized (M = 1, 2) and prefill-sized, through the engine and through tfjs-wasm
// matMul (XNNPACK), alternating. Not a test.  npx tsx packages/core/bench/engine-vs-tfjs.ts
import { EngineMatrix, configureEngineThreads, engineLinear, initBackend, shutdownEngineThreads, tf } from '../src/index.js';

await initBackend('wasm');
configureEngineThreads(Number(process.env.ALIGNDIAL_THREADS ?? 1));
const shapes: [number, number, number][] = [[1, 32000, 288], [1, 1536, 576], [2, 1536, 576], [1, 2048, 768], [64, 1536, 576], [256, 1536, 576]];
for (const [M, N, K] of shapes) {
  const w = tf.randomNormal([N, K]) as tf.Tensor2D;
  const wt = tf.transpose(w) as tf.Tensor2D;
  const x = tf.randomNormal([M, K]) as tf.Tensor2D;
  const m = EngineMatrix.fromFloat32(w.dataSync() as Float32Array, N, K, 'f32', 'bench');
  const time = (f: () => tf.Tensor) => {
    const t0 = performance.now();
    const y = f();
    y.dataSync();
    y.dispose();
    return performance.now() - t0;
  };
  const reps = Math.max(5, Math.round(3e8 / (2 * M * N * K)));
  const a: number[] = [], b: number[] = [];
  for (let r = 0; r < reps; r++) {
    a.push(time(() => engineLinear(x, m)));
    b.push(time(() => tf.matMul(x, wt)));
  }
  const med = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1];
  const flops = (t: number) => ((2 * M * N * K) / (t / 1000) / 1e9).toFixed(1);
  console.log(`M=${M} N=${N} K=${K}: engine ${med(a).toFixed(3)} ms (${flops(med(a))} GFLOP/s)  tfjs ${med(b).toFixed(3)} ms (${flops(med(b))} GFLOP/s)  ratio ${(med(b) / med(a)).toFixed(2)}`);
  m.dispose();
  tf.dispose([w, wt, x]);
}
shutdownEngineThreads();
