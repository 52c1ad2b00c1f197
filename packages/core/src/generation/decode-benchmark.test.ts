import { beforeAll, describe, expect, it } from 'vitest';
import { configForShape, createRandomModel } from '../model/random-model.js';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { benchmarkDecoders } from './decode-benchmark.js';
import { createModelDecoder } from './step-decoder.js';

beforeAll(async () => {
  await initBackend('wasm');
});

// Smoke test: the numbers themselves come from `aligndial bench decode`.
describe('benchmarkDecoders', () => {
  it('warms up, runs the decoders interleaved and frees every decoder', () => {
    const model = createRandomModel(configForShape('tiny'), { seed: 3 });
    const labels: string[] = [];
    // A first run fills the model's lazy caches (e.g. rotary tables), which are not per-decoder state.
    benchmarkDecoders([{ label: 'warm', make: () => createModelDecoder(model) }], model.config.vocabSize, { tokens: 3, prompt: 4, warmup: 1, rounds: 1 });
    const before = tf.memory().numTensors;
    const timings = benchmarkDecoders(
      [
        { label: 'a', make: () => createModelDecoder(model) },
        { label: 'b', make: () => createModelDecoder(model) },
      ],
      model.config.vocabSize,
      { tokens: 3, prompt: 4, warmup: 1, rounds: 2, onRun: (l) => labels.push(l) },
    );
    expect(labels).toEqual(['round 1/2: a', 'round 1/2: b', 'round 2/2: a', 'round 2/2: b']);
    expect(timings.map((t) => t.label)).toEqual(['a', 'b']);
    for (const t of timings) {
      expect(t.decodeTokensPerSecond > 0 && t.prefillTokensPerSecond > 0).toBe(true);
      expect(t.msPerToken).toBeCloseTo(1000 / t.decodeTokensPerSecond, 6);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
