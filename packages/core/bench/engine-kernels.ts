// Kernel throughput of the matmul engine (not a test): GEMV (decode) and GEMM (prefill) per storage type.
//   npx tsx packages/core/bench/engine-kernels.ts [threads]
import { configureEngineThreads, shutdownEngineThreads } from '../src/engine/engine.js';
import { EngineMatrix, type WeightStorage } from '../src/engine/engine-matrix.js';

const threads = process.argv[2] ? Number(process.argv[2]) : 1;
configureEngineThreads(threads);
const shapes: [number, number, number][] = [
  [1, 2048, 768],
  [1, 768, 2048],
  [2, 2048, 768],
  [4, 2048, 768],
  [256, 1536, 576],
];
for (const [M, N, K] of shapes) {
  const w = new Float32Array(N * K).map((_, i) => Math.sin(i));
  const x = new Float32Array(M * K).map((_, i) => Math.cos(i));
  const row: string[] = [];
  for (const storage of ['f32', 'bf16', 'int8'] as WeightStorage[]) {
    const m = EngineMatrix.fromFloat32(w, N, K, storage, 'bench');
    const out = new Float32Array(M * N);
    const reps = Math.max(3, Math.round(2e9 / (2 * M * N * K)));
    m.linear(x, M, out);
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      m.linear(x, M, out);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const t = times[times.length >> 1] / 1000;
    row.push(`${storage} ${(t * 1e6).toFixed(0)}µs ${((2 * M * N * K) / t / 1e9).toFixed(1)} GFLOP/s ${(m.bytes / t / 1e9).toFixed(1)} GB/s`);
    m.dispose();
  }
  console.log(`M=${M} N=${N} K=${K} threads=${threads}: ${row.join(' | ')}`);
}
shutdownEngineThreads();
