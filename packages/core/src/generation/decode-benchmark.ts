import { tf } from '../runtime/tf.js';
import type { StepDecoder } from './step-decoder.js';

/** A decoder to measure: `make` builds a fresh one (its own KV cache) for every timed run. */
export interface DecoderUnderTest {
  label: string;
  make: () => StepDecoder;
}

/** Options of {@link benchmarkDecoders}. */
export interface DecodeBenchmarkOptions {
  /** Tokens decoded per timed run (default 128). */
  tokens?: number;
  /** Prompt length for the prefill (default 32). */
  prompt?: number;
  /** Untimed decode steps per decoder before timing (default 8). */
  warmup?: number;
  /** Timed rounds; each decoder reports its median round (default 3). */
  rounds?: number;
  /** Called before each timed run (for progress output). */
  onRun?: (label: string) => void;
}

/** One decoder's speed: medians over the rounds. */
export interface DecodeTiming {
  label: string;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  msPerToken: number;
}

/** Greedy decoding of batch 1 through a StepDecoder: seconds for the prefill and for `steps` decode steps. */
function timeDecoder(make: () => StepDecoder, prompt: readonly number[], steps: number): { prefill: number; decode: number } {
  const argmaxOf = (logits: tf.Tensor2D) => {
    const id = tf.tidy(() => tf.argMax(logits, 1).dataSync()[0]);
    logits.dispose();
    return id;
  };
  const decoder = make();
  try {
    const mask = [prompt.map(() => 1)];
    const t0 = performance.now();
    let token = argmaxOf(decoder.next([[...prompt]], mask));
    const t1 = performance.now();
    for (let i = 0; i < steps; i++) {
      mask[0].push(1);
      token = argmaxOf(decoder.next([[token]], mask));
    }
    return { prefill: (t1 - t0) / 1000, decode: (performance.now() - t1) / 1000 };
  } finally {
    decoder.dispose();
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The one decode-speed loop: batch 1, greedy, KV cache, a fixed pseudo-random prompt. Every decoder is
 * warmed up first (kernels compile per shape), then the decoders run interleaved for `rounds` rounds so
 * that load on the machine hits them alike, and each reports its median round (robust to outliers).
 * @param vocabSize - Prompt ids are drawn below it.
 */
export function benchmarkDecoders(decoders: readonly DecoderUnderTest[], vocabSize: number, options: DecodeBenchmarkOptions = {}): DecodeTiming[] {
  const tokens = options.tokens ?? 128;
  const promptLength = options.prompt ?? 32;
  const warmup = options.warmup ?? 8;
  const rounds = options.rounds ?? 3;
  const prompt = Array.from({ length: promptLength }, (_, i) => (i * 7919 + 3) % vocabSize);
  for (const d of decoders) timeDecoder(d.make, prompt, warmup);
  const times = decoders.map(() => [] as { prefill: number; decode: number }[]);
  for (let round = 0; round < rounds; round++) {
    decoders.forEach((d, i) => {
      options.onRun?.(`round ${round + 1}/${rounds}: ${d.label}`);
      times[i].push(timeDecoder(d.make, prompt, tokens));
    });
  }
  return decoders.map((d, i) => {
    const decode = median(times[i].map((t) => t.decode));
    return {
      label: d.label,
      prefillTokensPerSecond: promptLength / median(times[i].map((t) => t.prefill)),
      decodeTokensPerSecond: tokens / decode,
      msPerToken: (decode * 1000) / tokens,
    };
  });
}
