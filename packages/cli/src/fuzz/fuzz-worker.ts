/**
 * Child process of the fuzz runner: loads one mutated case per message and reports what happened.
 * Runs in its own process so that a hang (killed after a timeout) or a heap abort is observed, not suffered.
 */
import { join } from 'node:path';
import { loadEdits } from '@aligndial/alignez';
import { applyAdapter } from '@aligndial/clm';
import { readPreferenceFile, tokenizePreferences } from '@aligndial/dpo';
import { Tokenizer, type Transformer, initBackend, isAligndialError, loadModel, tf } from '@aligndial/core';
import { createHash } from 'node:crypto';
import { SEED } from './fuzz-seeds.js';

/** One case to load. */
export interface FuzzCase {
  id: number;
  loader: 'model' | 'adapter' | 'edits' | 'preferences';
  /** The case's copy of the seed (directory or file). */
  path: string;
  /** The mutation can only change tensor values (see Mutation.dataOnly). */
  dataOnly: boolean;
  /** Whether the mutated file is config.json (a legitimate different config loads different behaviour). */
  configFile: boolean;
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
let seedWeights: string;
let tokenizer: Tokenizer;

/** sha256 of every parameter's values, in name order. */
function weightsDigest(model: Transformer): string {
  const hash = createHash('sha256');
  for (const [name, v] of [...model.parameters()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(name);
    hash.update(new Uint8Array((v.dataSync() as Float32Array).buffer));
  }
  return hash.digest('hex');
}

function finiteLogits(t: tf.Tensor): boolean {
  const ok = tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);
  t.dispose();
  return ok;
}

function load(c: FuzzCase): string | undefined {
  if (c.loader === 'model') {
    const model = loadModel(c.path);
    try {
      if (!finiteLogits(model.forward([[1, 2, 3]]))) return 'NaN/∞ logits from an accepted checkpoint';
      if (!c.dataOnly && !c.configFile && weightsDigest(model) !== seedWeights) return 'a structural change was accepted with different weights (misread)';
    } finally {
      model.dispose();
    }
    return undefined;
  }
  if (c.loader === 'adapter') {
    const clm = applyAdapter(loadModel(join(seedRoot, SEED.model)), c.path);
    try {
      if (!finiteLogits(clm.forward([[1, 2, 3]], { lambda: 1 }))) return 'NaN/∞ logits from an accepted adapter';
    } finally {
      clm.dispose();
    }
    return undefined;
  }
  if (c.loader === 'edits') {
    const edits = loadEdits(c.path, seedModel);
    if (edits.layers.some((l) => l >= seedModel.config.numLayers)) return 'edits layers outside the model';
    return undefined;
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
    const garbage = c.loader === 'preferences' ? await loadPreferences(c) : load(c);
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
  seedWeights = weightsDigest(seedModel);
  tokenizer = Tokenizer.fromDir(join(seedRoot, SEED.model));
  process.on('message', (c: FuzzCase) => {
    void handle(c).then((reply) => process.send!(reply));
  });
  process.send!({ ready: true });
}

void main();
