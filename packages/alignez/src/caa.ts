import { AligndialError, type ChatMessage, type Tokenizer, type Transformer, readJsonFile } from '@aligndial/core';
import { type Pooling, embedTokenIds } from './embed.js';
import type { CaaEdits } from './edits-types.js';
import { modelFingerprint } from '@aligndial/core';
import { norm } from './vector-math.js';
import { rowToPreferenceExample } from '@aligndial/dpo';

/** A ground-truth preference pair: a conversation and two candidate assistant replies. */
export interface PreferencePair {
  messages: ChatMessage[];
  chosen: string;
  rejected: string;
}

/** The text of a completion that must be one assistant reply. */
function replyText(value: string | ChatMessage[], where: string, field: string): string {
  if (typeof value === 'string') return value;
  if (value.length !== 1) throw new AligndialError(`${where}: field "${field}" must be one assistant reply, got ${value.length} turns`);
  return value[0].content;
}

/**
 * Reads a preference file in the ShareGPT layout (LLaMA-Factory's `dpo_en_demo.json`): a JSON list of
 * `{conversations: [{from, value}], chosen: {from, value}, rejected: {from, value}}`; `from` is
 * human / gpt / system. Rows are parsed by dpo's `rowToPreferenceExample`, so TRL rows (`prompt`,
 * `chosen`, `rejected`) work too. Errors name the file, the item and the field.
 */
export function readPreferencePairs(file: string): PreferencePair[] {
  const data = readJsonFile(file, 'preference file');
  if (!Array.isArray(data)) throw new AligndialError(`${file}: expected a JSON list of {conversations, chosen, rejected}`);
  return data.map((item, i) => {
    const where = `${file}: item ${i}`;
    const example = rowToPreferenceExample(item, where);
    const messages = typeof example.prompt === 'string' ? [{ role: 'user', content: example.prompt }] : example.prompt;
    return { messages, chosen: replyText(example.chosen, where, 'chosen'), rejected: replyText(example.rejected, where, 'rejected') };
  });
}

export interface FitCaaOptions {
  model: Transformer;
  tokenizer: Tokenizer;
  pairs: readonly PreferencePair[];
  /** Layers to steer (default: one layer at 40% depth, ⌊0.4·numLayers⌋, near CAA's 13 of 32). */
  layers?: readonly number[];
  pooling?: Pooling;
  batchSize?: number;
  /** Longer sequences keep their first token and their end (default 512). */
  maxTokens?: number;
  source?: string;
  onProgress?: (done: number, total: number) => void;
}

/** Token ids of a conversation followed by an assistant reply (chat template, else the plain chat format). */
export function encodeReply(tokenizer: Tokenizer, messages: readonly ChatMessage[], reply: string): number[] {
  const prompt = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
  // A chat template writes BOS itself; the plain fallback format gets it from encode.
  return tokenizer.encode(prompt + reply, { addSpecialTokens: !tokenizer.hasChatTemplate });
}

/**
 * CAA baseline (Rimsky et al.): v_l = mean over pairs of (chosen − rejected) residual-stream activation
 * after layer l, at the last token (or mean-pooled), from ground-truth preference pairs.
 * Applied with {@link createEditHooks}: x_mlp,l ← x_mlp,l + α·v_l, i.e. α·v_l added to the residual stream.
 */
export function fitCaa(options: FitCaaOptions): CaaEdits {
  const { model, tokenizer, pairs } = options;
  if (pairs.length === 0) throw new AligndialError('CAA needs at least one preference pair');
  const L = model.config.numLayers;
  const layers = [...(options.layers ?? [Math.floor(0.4 * L)])].sort((a, b) => a - b);
  for (const l of layers) if (!Number.isInteger(l) || l < 0 || l >= L) throw new AligndialError(`CAA layer ${l} is outside the model's layers [0, ${L})`);
  if (layers.some((l, j) => j > 0 && l === layers[j - 1])) throw new AligndialError(`CAA layers must not repeat, got ${layers.join(', ')}`);
  const pooling = options.pooling ?? 'last';
  const maxTokens = Math.min(options.maxTokens ?? 512, model.config.maxPositionEmbeddings);
  const sequences = pairs.flatMap((p) => [encodeReply(tokenizer, p.messages, p.chosen), encodeReply(tokenizer, p.messages, p.rejected)]);
  const phi = embedTokenIds(model, sequences, { layers, pooling, site: 'residual', batchSize: options.batchSize, maxTokens, onProgress: options.onProgress });
  const D = model.config.hiddenSize;
  const vectors = layers.map((_, j) => {
    const acc = new Float64Array(D);
    for (let i = 0; i < pairs.length; i++) {
      const c = phi[2 * i][j];
      const r = phi[2 * i + 1][j];
      for (let d = 0; d < D; d++) acc[d] += c[d] - r[d];
    }
    return Float32Array.from(acc, (v) => v / pairs.length);
  });
  return {
    method: 'caa',
    layers,
    vectors,
    manifest: {
      format: 'aligndial.edits',
      version: 1,
      method: 'caa',
      createdAt: new Date().toISOString(),
      model: modelFingerprint(model),
      layers,
      hiddenSize: D,
      pooling,
      maxTokens,
      caa: { pairs: pairs.length, source: options.source, vectorNorms: vectors.map((v) => norm(v)) },
    },
  };
}
