import { configureEngineThreads, EngineMatrix } from '../src/index.js';
configureEngineThreads(1);
for (const [N, K] of [[2048, 1024], [16384, 4096]]) for (const s of ['f32', 'bf16', 'int8'] as const) {
  const m = new EngineMatrix(N, K, s, 'bw');
  const rows = 256; const block = new Float32Array(rows * K).map((_, i) => Math.sin(i));
  for (let r = 0; r < N; r += rows) m.writeRows(r, block.subarray(0, Math.min(rows, N - r) * K));
  const x = new Float32Array(K).fill(0.1); const out = new Float32Array(N);
  m.linear(x, 1, out);
  const t = []; for (let i = 0; i < 10; i++) { const t0 = performance.now(); m.linear(x, 1, out); t.push(performance.now() - t0); }
  t.sort((a, b) => a - b);
  console.log(N, K, s, (m.bytes / 1e6).toFixed(0), 'MB', (t[5]).toFixed(2), 'ms', (m.bytes / t[5] / 1e6).toFixed(1), 'GB/s');
  m.dispose();
}
