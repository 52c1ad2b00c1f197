import { type StepDecoder, type TokenDecoder, generate } from '@aligndial/core';

export interface GenerationJob {
  promptIds: number[];
  maxNewTokens: number;
  temperature: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
  seed: number;
  stop: readonly string[];
  eosTokenIds: readonly number[];
}

export interface GenerationOutcome {
  text: string;
  completionTokens: number;
  /** OpenAI's finish_reason (eos and stop strings → `stop`), or `aborted` when the signal fired. */
  finishReason: 'stop' | 'length' | 'aborted';
}

/**
 * Runs one request through core's `generate` with `decoder` (which it disposes), streaming text
 * that can no longer change or turn out to be part of a stop string through `onText` (core's
 * `onToken` text already holds such text back; its pieces concatenate to the final text). `generate`
 * returns to the event loop between tokens, so sockets, timers and other requests (429s,
 * /v1/models, disconnects) are served while a long answer is generated; when `signal` fires it
 * stops at the next token and this resolves with `finishReason: 'aborted'` and the text so far.
 */
export async function runGeneration(
  decoder: StepDecoder,
  tokenizer: TokenDecoder,
  job: GenerationJob,
  { signal, onText }: { signal?: AbortSignal; onText?: (delta: string) => void } = {},
): Promise<GenerationOutcome> {
  let streamed = ''; // the text passed to onText so far
  let tokens = 0;
  try {
    const result = await generate(decoder, [job.promptIds], {
      maxNewTokens: job.maxNewTokens,
      temperature: job.temperature,
      topP: job.topP,
      topK: job.topK,
      repetitionPenalty: job.repetitionPenalty,
      seed: job.seed,
      stopStrings: job.stop.length > 0 ? job.stop : undefined,
      eosTokenIds: job.eosTokenIds,
      tokenizer,
      signal,
      onToken: (event) => {
        tokens++;
        if (event.text) {
          streamed += event.text;
          onText?.(event.text);
        }
      },
    });
    const sequence = result.sequences[0];
    if (sequence.finishReason === 'aborted') return { text: streamed, completionTokens: tokens, finishReason: 'aborted' };
    return { text: sequence.text ?? '', completionTokens: sequence.ids.length, finishReason: sequence.finishReason === 'length' ? 'length' : 'stop' };
  } finally {
    decoder.dispose();
  }
}
