/**
 * Per-op profile of decode steps (KV cache) — where the time goes. Not a test.
 * Run: npx tsx packages/core/bench/profile-decode.ts <model-dir> [steps] [--weights auto|f32|bf16|int8] [--batch B] [--threads N]
 *      [--prompt P] (prompt tokens before the profiled steps: the cache length attention reads)
 * `--batch 2` feeds two rows per step: the shape of CLM's dual path (both paths as one batch through shared weights).
 * Prints the time per kernel name (the engine's matmuls are `AligndialLinear`, attention over the cache
 * `AligndialDecodeAttention`), its share of the step, then the most expensive kernels by input shape.
 */
import { parseArgs } from 'node:util';
import { KVCache, type WeightsChoice, configureEngineThreads, initBackend, loadModel, tf } from '../src/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { weights: { type: 'string', default: 'auto' }, batch: { type: 'string', default: '1' }, threads: { type: 'string', default: '1' }, prompt: { type: 'string', default: '16' } },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npx tsx packages/core/bench/profile-decode.ts <model-dir> [steps] [--weights W] [--batch B] [--threads N] [--prompt P]');
  process.exit(2);
}
const steps = Number(positionals[1] ?? 16);
const B = Number(values.batch);
await initBackend('wasm');
configureEngineThreads(Number(values.threads));
const model = loadModel(dir, { weights: values.weights as WeightsChoice });
const cache = new KVCache();
const prompt = Array.from({ length: Number(values.prompt) }, (_, i) => (i * 31 + 5) % model.config.vocabSize);
const rows = <T>(row: T) => Array.from({ length: B }, () => row);
tf.dispose(model.forward(rows(prompt), { cache, lastTokenOnly: true }));
for (let i = 0; i < 8; i++) tf.dispose(model.forward(rows([7]), { cache }));
const byShape = new Map<string, { ms: number; count: number }>();
const byName = new Map<string, number>();
let wall = 0;
for (let s = 0; s < steps; s++) {
  const t0 = performance.now();
  const info = await tf.profile(() => {
    const out = model.forward(rows([7]), { cache });
    out.dataSync();
    return out;
  });
  wall += performance.now() - t0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs);
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const e = byShape.get(key) ?? { ms: 0, count: 0 };
    e.ms += ms;
    e.count++;
    byShape.set(key, e);
    byName.set(k.name, (byName.get(k.name) ?? 0) + ms);
  }
}
const kernelTotal = [...byName.values()].reduce((a, b) => a + b, 0);
const perStep = (ms: number) => (ms / steps).toFixed(3).padStart(8);
console.log(`${dir}: weights ${model.weightStorage ?? 'tfjs'}, batch ${B}, ${steps} steps after a ${prompt.length}-token prompt`);
console.log(`wall ${(wall / steps).toFixed(2)} ms/step (profiled), kernels ${(kernelTotal / steps).toFixed(2)} ms/step, ops/step ${[...byShape.values()].reduce((n, v) => n + v.count, 0) / steps}`);
console.log('by kernel:');
for (const [name, ms] of [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`${perStep(ms)} ms  ${((100 * ms) / (wall || 1)).toFixed(1).padStart(5)} % of the step  ${name}`);
}
console.log('by kernel and input shape:');
for (const [k, v] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(`${perStep(v.ms)} ms  x${v.count / steps}  ${k}`);
model.dispose();
