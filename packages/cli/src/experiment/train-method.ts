import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type StepDecoder, type Tokenizer, type Transformer, createModelDecoder } from '@aligndial/core';
import { type ClmModel, createClmDecoder, createClmTrainer, expandModel } from '@aligndial/clm';
import { type DpoConfig, DpoTrainer, type TokenizedPreference } from '@aligndial/dpo';
import { type AlignEzEdits, createEditHooksForQueries, fitAlignEz } from '@aligndial/alignez';
import type { MethodSpec } from './methods.js';

/** One point of the hyperparameter grid. */
export interface Hyperparameters {
  beta: number;
  learningRate: number;
  epochs: number;
}

/** Settings every training run of the experiment shares. */
export interface TrainingSettings {
  batchSize: number;
  /** Constant learning rate after a linear warm-up over this fraction of the longest run's steps. */
  warmupRatio: number;
  maxGradNorm: number;
  seed: number;
  /** Base layer that CLM's added layers copy (paper: 0). */
  copyLayer: number;
  /** Write per-tensor gradient / update / parameter norms to the run's metrics.jsonl. */
  logTensorNorms: boolean;
  /** AlignEZ: layers to edit and neighbours per query. */
  alignezLayers: number;
  alignezK: number;
}

/** A trained (or fitted) method, ready to sample from at any dial value. */
export interface MethodModel {
  /** Parameters that training changed (AlignEZ: 0 — it stores directions, not weights). */
  trainableParameters: number;
  /** A decoder at dial value `dial` (λ or α) for a batch whose rows continue `rowPrompts` (prompt texts). */
  decoder(dial: number, rowPrompts: readonly string[]): StepDecoder;
  dispose(): void;
}

/** A training run: the model, and held-out metrics at the epochs asked for. */
export interface TrainRun {
  model: MethodModel;
  /** Held-out DPO loss / preference accuracy after each epoch count asked for (empty without held-out pairs). */
  evals: { epochs: number; loss: number; accuracy: number }[];
  steps: number;
  wallSeconds: number;
  cpuSeconds: number;
}

/** The pair texts AlignEZ fits on (it embeds text, not token ids). */
export interface PairTexts {
  prompt: string;
  chosen: string;
  rejected: string;
}

const quiet = () => {};

function dpoConfig(h: Hyperparameters, s: TrainingSettings, maxEpochs: number): Partial<DpoConfig> {
  return {
    beta: h.beta,
    learningRate: h.learningRate,
    lrSchedulerType: 'constant',
    warmupRatio: s.warmupRatio,
    epochs: maxEpochs,
    batchSize: s.batchSize,
    maxGradNorm: s.maxGradNorm,
    seed: s.seed,
    weightDecay: 0,
  };
}

function countTrainable(vars: Iterable<{ size: number }>): number {
  let n = 0;
  for (const v of vars) n += v.size;
  return n;
}

/**
 * Trains `spec` on `train` from a fresh copy of the base model (`loadBase`). The schedule is constant after
 * warm-up and is laid out for `maxEpochs`, so stopping after e epochs is the same run as training e epochs:
 * one run per (β, lr) evaluates every epoch count of the grid. With `heldOut`, the DPO loss and preference
 * accuracy on it are recorded after each of `evalEpochs`; the run stops after `h.epochs`.
 */
export async function trainMethod(
  spec: MethodSpec,
  loadBase: () => Transformer,
  tokenizer: Tokenizer,
  data: { train: readonly TokenizedPreference[]; texts: readonly PairTexts[]; heldOut?: readonly TokenizedPreference[] },
  h: Hyperparameters,
  settings: TrainingSettings,
  options: { maxEpochs?: number; evalEpochs?: readonly number[]; metricsFile?: string; onStep?: (step: number, total: number) => void } = {},
): Promise<TrainRun> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const base = loadBase();
  if (spec.kind === 'alignez') {
    const model = alignezModel(base, tokenizer, data.texts, settings);
    const cpu = process.cpuUsage(cpu0);
    return { model, evals: [], steps: 0, wallSeconds: (performance.now() - wall0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }
  const maxEpochs = Math.max(options.maxEpochs ?? h.epochs, h.epochs);
  const config = dpoConfig(h, settings, maxEpochs);
  if (options.metricsFile) mkdirSync(dirname(options.metricsFile), { recursive: true });
  const common = {
    train: data.train,
    eval: data.heldOut,
    metricsFile: options.metricsFile,
    logTensorNorms: settings.logTensorNorms,
    onStep: options.onStep ? (r: { step: number }, total: number) => options.onStep!(r.step, total) : undefined,
  };
  let clm: ClmModel | undefined;
  let trainer: DpoTrainer;
  if (spec.kind === 'clm') {
    clm = expandModel(base, { layers: spec.layers, copyLayer: settings.copyLayer });
    trainer = createClmTrainer(clm, { ...common, config });
  } else {
    trainer = new DpoTrainer({ ...common, model: base, config: { ...config, trainable: spec.trainable } });
  }
  const evals: TrainRun['evals'] = [];
  try {
    const stops = [...new Set([...(options.evalEpochs ?? []).filter((e) => e <= h.epochs), h.epochs])].sort((a, b) => a - b);
    for (const e of stops) {
      await trainer.train({ stopAtStep: e * trainer.stepsPerEpoch });
      if (data.heldOut && data.heldOut.length > 0 && options.evalEpochs?.includes(e)) {
        const m = trainer.evaluate();
        evals.push({ epochs: e, loss: m.eval_loss, accuracy: m['eval_rewards/accuracies'] });
      }
    }
  } finally {
    trainer.dispose();
  }
  const steps = trainer.step;
  const trainableParameters = countTrainable(trainer.trainable.values());
  const cpu = process.cpuUsage(cpu0);
  const model: MethodModel = clm
    ? {
        trainableParameters,
        decoder: (lambda) => createClmDecoder(clm!, { lambda, warn: quiet }),
        dispose: () => clm!.dispose(),
      }
    : { trainableParameters, decoder: () => createModelDecoder(base), dispose: () => base.dispose() };
  return { model, evals, steps, wallSeconds: (performance.now() - wall0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** AlignEZ fitted on the training pairs' texts (chosen = helpful, rejected = harmful), k-NN by prompt. */
function alignezModel(base: Transformer, tokenizer: Tokenizer, texts: readonly PairTexts[], settings: TrainingSettings): MethodModel {
  const records = texts.map((t, i) => ({ id: String(i), query: t.prompt, helpfulTraits: '', harmfulTraits: '', helpful: t.chosen, harmful: t.rejected }));
  const edits: AlignEzEdits = fitAlignEz({ model: base, tokenizer, records, layers: settings.alignezLayers, k: settings.alignezK, maxPairCosine: 1 });
  return {
    trainableParameters: 0,
    decoder(alpha, rowPrompts) {
      if (alpha === 0) return createModelDecoder(base);
      const hooks = createEditHooksForQueries(base, tokenizer, edits, { queries: rowPrompts, strength: alpha });
      const inner = createModelDecoder(base, { hooks });
      return {
        vocabSize: inner.vocabSize,
        next: (ids, mask) => inner.next(ids, mask),
        dispose() {
          inner.dispose();
          hooks.dispose();
        },
      };
    },
    dispose: () => base.dispose(),
  };
}
