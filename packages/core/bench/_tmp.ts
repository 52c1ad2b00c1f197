import { EngineMatrix, configureEngineThreads, initBackend } from '/work/main/packages/core/src/index.js';
await initBackend('wasm');
configureEngineThreads(1);
for (const [M, N, K] of [[512, 576, 576], [2048, 3072, 576], [2048, 576, 1536], [2048, 960, 576]] as [number, number, number][]) {
  const w = new Float32Array(N * K).map(() => Math.random() - 0.5);
  const x = new Float32Array(M * K).map(() => Math.random() - 0.5);
  const dy = new Float32Array(M * N).map(() => Math.random() - 0.5);
  for (const st of ['bf16'] as const) {
  const m = EngineMatrix.fromFloat32(w, N, K, st, 'b');
  const out = new Float32Array(M * N), outg = new Float32Array(M * K);
  const a: number[] = [], b: number[] = [];
  for (let r = 0; r < 8; r++) {
    let t0 = performance.now(); m.linear(x, M, out); a.push(performance.now() - t0);
    t0 = performance.now(); m.linearGrad(dy, M, outg); b.push(performance.now() - t0);
  }
  const med = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1];
  const g = (ms: number) => ((2 * M * N * K) / ms / 1e6).toFixed(1);
  console.log(st, M, N, K, 'linear med', g(med(a)), ' grad med', g(med(b)));
  m.dispose();
  }
}
