import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AligndialError } from '../errors.js';
import { tf } from '../runtime/tf.js';
import { firstNonFinite } from '../io/dtype-convert.js';
import { Rng } from '../util/rng.js';
import { type SamplingOptions, applyRepetitionPenalty, sampleToken, validateSamplingOptions } from './sampling.js';
import type { StepDecoder } from './step-decoder.js';

/** What generation needs from a tokenizer: turning ids back into text. */
export interface TokenDecoder {
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
}

/** A token as it is generated, for streaming. */
export interface TokenEvent {
  /** Batch row. */
  row: number;
  tokenId: number;
  /** Decode step (0 = first new token). */
  step: number;
  /** Text this token completes (empty while a multi-byte character is unfinished); needs `tokenizer`. */
  text: string;
}

export interface GenerateOptions extends SamplingOptions {
  /** Tokens to generate at most per row (default 128). */
  maxNewTokens?: number;
  /** Generation stops for a row when it produces one of these. */
  eosTokenIds?: readonly number[];
  /** Generation stops for a row when its text contains one of these (needs `tokenizer`); the text is cut before it. */
  stopStrings?: readonly string[];
  /** Seed for sampling (default 0, so runs repeat). */
  seed?: number;
  /** Id fed to rows that already finished while others continue (default: first EOS id, else 0). */
  padTokenId?: number;
  /** Decodes text for results, streaming and stop strings. */
  tokenizer?: TokenDecoder;
  /** Edits the next-token logits [B, V] of every step before sampling (λ-merging, constraints, …). */
  logitsProcessor?: (logits: tf.Tensor2D, step: number) => tf.Tensor2D;
  /** Called for every generated token, as soon as it is chosen. */
  onToken?: (event: TokenEvent) => void;
  /** Stops generation at the next token; unfinished rows end with finishReason `aborted`. */
  signal?: AbortSignal;
}

export type FinishReason = 'eos' | 'stop' | 'length' | 'aborted';

export interface GeneratedSequence {
  promptIds: number[];
  /** Generated ids (including the EOS id when it ended the row; excluding text after a stop string's token). */
  ids: number[];
  /** Decoded generated text without special tokens, cut before a stop string (when a tokenizer was given). */
  text?: string;
  finishReason: FinishReason;
}

export interface GenerateResult {
  sequences: GeneratedSequence[];
  promptTokens: number;
  generatedTokens: number;
  prefillSeconds: number;
  decodeSeconds: number;
  /** Generated tokens per second of decoding (prefill excluded). */
  tokensPerSecond: number;
}

/** Left-pads prompt rows to one length; returns ids and the attention mask. */
export function leftPad(prompts: readonly (readonly number[])[], padId: number): { ids: number[][]; mask: number[][] } {
  const length = Math.max(...prompts.map((p) => p.length));
  return {
    ids: prompts.map((p) => [...new Array(length - p.length).fill(padId), ...p]),
    mask: prompts.map((p) => [...new Array(length - p.length).fill(0), ...new Array(p.length).fill(1)]),
  };
}

/**
 * Incremental text of one row: emits only text that further tokens cannot change or cut, so the
 * streamed pieces concatenate to the row's final text.
 */
class RowText {
  private emitted = 0;
  constructor(private readonly stops: readonly string[]) {}
  /** `text`: the row's decoded text so far; `final`: the row's finished text (flush everything). */
  delta(text: string, final: boolean): string {
    let stable = text;
    if (!final) {
      // Hold back a trailing replacement character: the next byte-fallback token may complete it.
      if (stable.endsWith('\uFFFD')) stable = stable.slice(0, stable.length - 1);
      // Hold back an unfinished stop string: if the next tokens complete it, the text is cut there.
      stable = stable.slice(0, stable.length - heldForStops(stable, this.stops));
    }
    if (stable.length <= this.emitted) return '';
    const out = stable.slice(this.emitted);
    this.emitted = stable.length;
    return out;
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of a stop string. */
function heldForStops(text: string, stops: readonly string[]): number {
  let held = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > held; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        held = n;
        break;
      }
    }
  }
  return held;
}

/**
 * Generates continuations of a batch of prompts (token ids, unpadded) with any StepDecoder:
 * left padding with an attention mask, greedy or sampled decoding, EOS and stop strings,
 * streaming callbacks and a per-step logits hook.
 */
export async function generate(decoder: StepDecoder, prompts: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<GenerateResult> {
  validateSamplingOptions(options);
  if (prompts.length === 0 || prompts.some((p) => p.length === 0)) throw new AligndialError('generate() needs at least one prompt, each of at least one token');
  const maxNewTokens = options.maxNewTokens ?? 128;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new AligndialError(`maxNewTokens must be a whole number ≥ 0, got ${maxNewTokens}`);
  if (options.stopStrings?.length && !options.tokenizer) throw new AligndialError('stopStrings need a tokenizer to decode text');
  const eos = new Set(options.eosTokenIds ?? []);
  const padId = options.padTokenId ?? options.eosTokenIds?.[0] ?? 0;
  const rng = new Rng(options.seed ?? 0);
  const B = prompts.length;
  const { ids: paddedIds, mask } = leftPad(prompts, padId);
  const generated: number[][] = prompts.map(() => []);
  const finish: (FinishReason | undefined)[] = new Array(B).fill(undefined);
  const texts = options.tokenizer ? prompts.map(() => new RowText(options.stopStrings ?? [])) : undefined;
  const decodeText = (ids: number[]) => options.tokenizer!.decode(ids, { skipSpecialTokens: true });
  const stopText: (string | undefined)[] = new Array(B).fill(undefined);

  const start = performance.now();
  let logits = maxNewTokens > 0 ? decoder.next(paddedIds, mask) : undefined;
  const prefillEnd = performance.now();
  try {
    for (let step = 0; step < maxNewTokens && logits; step++) {
      // Let sockets and timers run between tokens (on wasm/cpu `data()` settles as a microtask).
      await yieldToEventLoop();
      if (options.signal?.aborted) {
        for (let b = 0; b < B; b++) finish[b] ??= 'aborted';
        break;
      }
      const processed = options.logitsProcessor ? tf.tidy(() => options.logitsProcessor!(logits!, step)) : logits;
      const values = (await processed.data()) as Float32Array;
      if (processed !== logits) processed.dispose();
      // NaN/∞ would make every comparison false and argmax pick token 0: an error naming the cause, never garbage.
      const bad = firstNonFinite(values);
      if (bad >= 0) {
        const raw = processed !== logits && firstNonFinite((await logits.data()) as Float32Array) < 0;
        throw new NonFiniteLogitsError(step, Math.floor(bad / (values.length / B)), raw ? 'the logits processor (λ mixing, a constraint or edits)' : (decoder.nonFiniteCause ?? MODEL_CAUSE));
      }
      logits.dispose();
      logits = undefined;
      const V = values.length / B;
      const nextTokens: number[] = [];
      for (let b = 0; b < B; b++) {
        if (finish[b]) {
          nextTokens.push(padId);
          continue;
        }
        const row = values.slice(b * V, (b + 1) * V);
        const seen = [...prompts[b], ...generated[b]];
        if (options.repetitionPenalty !== undefined && options.repetitionPenalty !== 1) {
          applyRepetitionPenalty(row, seen, options.repetitionPenalty);
          if (firstNonFinite(row) >= 0) throw new NonFiniteLogitsError(step, b, `repetition_penalty ${options.repetitionPenalty}`);
        }
        const token = sampleToken(row, { ...options, repetitionPenalty: undefined }, rng, seen);
        generated[b].push(token);
        nextTokens.push(token);
        const full = texts ? decodeText(generated[b]) : '';
        if (eos.has(token)) finish[b] = 'eos';
        else if (options.stopStrings?.length) {
          const hit = firstStop(full, options.stopStrings);
          if (hit !== undefined) {
            finish[b] = 'stop';
            stopText[b] = full.slice(0, hit);
          }
        }
        if (!finish[b] && generated[b].length >= maxNewTokens) finish[b] = 'length';
        const text = texts ? texts[b].delta(stopText[b] ?? full, finish[b] !== undefined) : '';
        options.onToken?.({ row: b, tokenId: token, step, text });
      }
      if (finish.every((f) => f)) break;
      for (const row of mask) row.push(1);
      logits = decoder.next(
        nextTokens.map((t) => [t]),
        mask,
      );
    }
  } finally {
    logits?.dispose();
  }
  const end = performance.now();
  const generatedTokens = generated.reduce((n, g) => n + g.length, 0);
  const decodeSeconds = (end - prefillEnd) / 1000;
  return {
    sequences: prompts.map((p, b) => ({
      promptIds: [...p],
      ids: generated[b],
      text: options.tokenizer ? (stopText[b] ?? decodeText(generated[b])) : undefined,
      finishReason: finish[b] ?? 'length',
    })),
    promptTokens: prompts.reduce((n, p) => n + p.length, 0),
    generatedTokens,
    prefillSeconds: (prefillEnd - start) / 1000,
    decodeSeconds,
    // Each row's first token comes from the prefill's logits; the decode steps made the rest.
    tokensPerSecond: decodeSeconds > 0 && generatedTokens > B ? (generatedTokens - B) / decodeSeconds : 0,
  };
}

const MODEL_CAUSE = "the model's activations (weights that overflow float32, or a corrupt checkpoint)";

/** Generation produced NaN/∞ logits; the message names the step, the row and what is most likely to blame. */
export class NonFiniteLogitsError extends AligndialError {
  constructor(
    readonly step: number,
    readonly row: number,
    readonly culprit: string,
  ) {
    super(`generation stopped: the next-token logits at step ${step} (row ${row}) contain NaN or ∞, caused by ${culprit}`, {
      hint: 'Lower |λ| (at most 100; values near 1 are typical), use a repetition penalty near 1, or check the model weights.',
    });
  }
}

function firstStop(text: string, stops: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (best === undefined || i < best)) best = i;
  }
  return best;
}
