/**
 * Child process of the fuzz runner: loads one mutated case per message and reports what happened.
 * Runs in its own process so that a hang (killed after a timeout) or a heap abort is observed, not suffered.
 */
import { join } from 'node:path';
import { loadEdits } from '@aligndial/alignez';
import { applyAdapter } from '@aligndial/clm';
import { readPreferenceFile, tokenizePreferences } from '@aligndial/dpo';
import {
  NonFiniteLogitsError,
  SafetensorsReader,
  Tokenizer,
  type Transformer,
  createModelDecoder,
  generate,
  initBackend,
  isAligndialError,
  loadGenerationDefaults,
  loadModel,
  tf,
} from '@aligndial/core';
import { SEED } from './fuzz-seeds.js';

/** One case to load. */
export interface FuzzCase {
  id: number;
  loader: 'model' | 'adapter' | 'edits' | 'preferences';
  /** The case's copy of the seed (directory or file). */
  path: string;
  /** The mutated file when it is a safetensors file: every tensor it yields is checked against the seed's. */
  safetensors?: { file: string; seed: string; changed?: [number, number][] };
}

/** The worker's answer. */
export interface FuzzReply {
  id: number;
  outcome: 'accepted' | 'error';
  aligndialError?: boolean;
  message?: string;
  /** Set when an accepted load is wrong: NaN logits, misread weights, U+FFFD in text, over-long pairs. */
  garbage?: string;
}

const seedRoot = process.argv[2];
let seedModel: Transformer;
let tokenizer: Tokenizer;

/**
 * An accepted safetensors file must yield every seed tensor unchanged, except tensors whose own bytes
 * were edited in place (legitimately other values). Anything else is a misread: silent garbage.
 */
function misread(s: NonNullable<FuzzCase['safetensors']>): string | undefined {
  const seed = SafetensorsReader.open(s.seed);
  const mutated = SafetensorsReader.open(s.file);
  try {
    for (const name of seed.names()) {
      const info = seed.info(name);
      const touched = s.changed?.some(([a, b]) => a < info.byteOffset + info.byteLength && b > info.byteOffset) ?? false;
      if (touched) continue;
      if (!mutated.has(name)) return `tensor "${name}" vanished from an accepted file`;
      if (!Buffer.from(seed.readFloat32(name).buffer).equals(Buffer.from(mutated.readFloat32(name).buffer))) {
        return `tensor "${name}" loaded with other values though its bytes were not edited (misread)`;
      }
    }
  } finally {
    seed.close();
    mutated.close();
  }
  return undefined;
}

/**
 * Finite weights can still overflow in the forward pass (random bytes read as 1e38): then generation must
 * stop with NonFiniteLogitsError, never print token 0.
 */
async function generates(decoder: ReturnType<typeof createModelDecoder>): Promise<string | undefined> {
  try {
    await generate(decoder, [[1, 2, 3]], { maxNewTokens: 2, temperature: 0 });
    return undefined;
  } catch (error) {
    if (error instanceof NonFiniteLogitsError) return undefined;
    throw error;
  } finally {
    decoder.dispose();
  }
}

async function load(c: FuzzCase): Promise<string | undefined> {
  if (c.loader === 'model') {
    const model = loadModel(c.path);
    try {
      loadGenerationDefaults(c.path, model.config);
      return (await generates(createModelDecoder(model))) ?? (c.safetensors && misread(c.safetensors));
    } finally {
      model.dispose();
    }
  }
  if (c.loader === 'adapter') {
    const clm = applyAdapter(loadModel(join(seedRoot, SEED.model)), c.path);
    try {
      const logits = clm.forward([[1, 2, 3]], { lambda: 1 });
      const finite = tf.tidy(() => tf.all(tf.isFinite(logits)).dataSync()[0] === 1);
      logits.dispose();
      // Adapters carry their weights' sha256, so an accepted adapter file is byte-identical to the seed.
      return (finite ? undefined : 'NaN/∞ logits from an accepted adapter') ?? (c.safetensors && misread(c.safetensors));
    } finally {
      clm.dispose();
    }
  }
  if (c.loader === 'edits') {
    const edits = loadEdits(c.path, seedModel);
    if (edits.layers.some((l) => l >= seedModel.config.numLayers)) return 'edits layers outside the model';
    return c.safetensors && misread(c.safetensors);
  }
  return undefined;
}

async function loadPreferences(c: FuzzCase): Promise<string | undefined> {
  const data = await readPreferenceFile(c.path);
  const text = JSON.stringify(data.examples);
  if (text.includes('\uFFFD') || text.includes('\\ufffd')) return 'invalid UTF-8 became U+FFFD';
  const tokenized = tokenizePreferences(data.examples, tokenizer, { maxLength: 64 });
  if (tokenized.pairs.some((p) => p.promptIds.length + Math.max(p.chosenIds.length, p.rejectedIds.length) > 64)) return 'a pair longer than maxLength';
  return undefined;
}

async function handle(c: FuzzCase): Promise<FuzzReply> {
  try {
    const garbage = c.loader === 'preferences' ? await loadPreferences(c) : await load(c);
    return { id: c.id, outcome: 'accepted', garbage };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = isAligndialError(error) ? message : `${(error as Error)?.name ?? 'throw'}: ${message}\n${(error as Error)?.stack ?? ''}`;
    return { id: c.id, outcome: 'error', aligndialError: isAligndialError(error), message: detail.slice(0, 4000) };
  }
}

async function main(): Promise<void> {
  await initBackend('wasm');
  seedModel = loadModel(join(seedRoot, SEED.model));
  tokenizer = Tokenizer.fromDir(join(seedRoot, SEED.model));
  process.on('message', (c: FuzzCase) => {
    void handle(c).then((reply) => process.send!(reply));
  });
  process.send!({ ready: true });
}

void main();
