import { join } from 'node:path';
import { AdamW, AligndialError, GradientAccumulator, type LrScheduleOptions, Rng, type SequenceBatch, type Transformer, computeGradients, describeValue, isBiasOrNormParameter, learningRateAt, loadTrainingCheckpoint, modelFingerprint, optimizerStep, saveTrainingCheckpoint, sequenceLogProbs, tf, withCheckpointing } from '@aligndial/core';
import { latestCheckpoint } from '@aligndial/core/internal';
import { type PreferenceBatch, collatePreferenceBatch } from '../data/collate.js';
import type { TokenizedPreference } from '../data/tokenize-preference.js';
import { type PreferenceLossType, needsReference, preferenceLoss, resolveLossTypes } from '../losses/preference-loss.js';
import { type PairStats, PREFERENCE_METRIC_NAMES, mergePairStats, preferenceMetrics } from '../metrics/preference-metrics.js';
import { type DpoConfig, resolveDpoConfig } from './dpo-config.js';
import { type DpoLogRecord, MetricsLog } from './metrics-log.js';
import {
  type ReferenceLogps,
  type ReferenceSpec,
  type SequenceLogProbsFn,
  computeReferenceLogps,
  modelLogProbs,
  readReferenceCache,
  referenceCachePath,
  writeReferenceCache,
} from './reference.js';
import { selectTrainable } from './trainable-selection.js';

/** The policy's summed completion log-probs of a padded batch (differentiable when called on the tape). */
export type PolicyLogProbsFn = (batch: SequenceBatch, options: { training: boolean }) => tf.Tensor1D;

export interface DpoTrainerOptions {
  /** The policy. Its trainable subset (config `trainable`, or `variables`) is updated in place. */
  model: Transformer;
  train: readonly TokenizedPreference[];
  /** Optional eval split, evaluated every `evalSteps` and at the end with the same metrics (`eval_` prefix). */
  eval?: readonly TokenizedPreference[];
  config?: Partial<DpoConfig>;
  /** Default `initial-policy` (or `none` when every loss is reference-free). */
  reference?: ReferenceSpec;
  /**
   * The policy's log-prob function; default core's `sequenceLogProbs(model, batch, {training})`.
   * CLM passes its own forward (e.g. through inserted layers) here.
   */
  policyLogProbs?: PolicyLogProbsFn;
  /** The trainable variables by name, instead of selecting them with config `trainable` from `model.parameters()`. */
  variables?: ReadonlyMap<string, tf.Variable>;
  /** Id used for padding (masked out); default the model config's pad id, else 0. */
  padTokenId?: number;
  /** Checkpoints (`checkpoint-{step}/`), `metrics.jsonl` and the reference cache go here. */
  outputDir?: string;
  /** Default `{outputDir}/metrics.jsonl`. */
  metricsFile?: string;
  /** Where reference log-probs are cached; default `outputDir`. */
  referenceCacheDir?: string;
  /** Each metrics line (every `loggingSteps`, and each evaluation). */
  onLog?: (record: DpoLogRecord) => void;
  /** After every optimizer step, with that step's own metrics (for progress bars). */
  onStep?: (record: DpoLogRecord, totalSteps: number) => void;
  /** Progress of the up-front reference pass: (pairs done, total). */
  onReferenceProgress?: (done: number, total: number) => void;
  /**
   * Log, per trainable tensor and step, `grad_norm/{name}` (before clipping), `update_norm/{name}` (‖Δw‖ of
   * the optimizer step) and `param_norm/{name}` (after it) in every training metrics line (the step's own
   * values, not averaged). For diagnosing what actually trains; costs a copy of the trainable weights per step.
   */
  logTensorNorms?: boolean;
}

export interface DpoTrainOptions {
  /** `true`: continue from the newest checkpoint in `outputDir` (if any); a string: that checkpoint directory. */
  resume?: boolean | string;
  /** Stop after this global step (for tests: simulate an interruption); the run can be resumed. */
  stopAtStep?: number;
}

export interface DpoTrainResult {
  /** Optimizer steps done in total (resumed ones included). */
  step: number;
  totalSteps: number;
  /** Every metrics line of this call (training and eval). */
  log: DpoLogRecord[];
  /** The last eval metrics, when there is an eval split. */
  eval?: Record<string, number>;
  /** The checkpoint resumed from, if any. */
  resumedFrom?: string;
}

interface StepOutcome {
  loss: number;
  losses: Partial<Record<PreferenceLossType, number>>;
  stats: PairStats;
  tokens: number;
  gradNorm: number;
  learningRate: number;
  seconds: number;
  /** With `logTensorNorms`: `grad_norm/…`, `update_norm/…`, `param_norm/…` per trainable tensor. */
  tensorNorms?: Record<string, number>;
}

/**
 * Direct preference optimisation (and IPO, hinge, robust/conservative DPO, SimPO, SFT, weighted
 * combinations) of any chosen subset of a model's parameters, with AdamW, warmup + decay,
 * gradient accumulation and clipping, reference log-probs computed once (or from the caller's
 * function), metrics as TRL names them, atomic checkpoints and exact resume.
 *
 * Frozen parameters get no gradient and no optimizer state.
 */
export class DpoTrainer {
  readonly config: DpoConfig;
  /** The variables that train, by name. */
  readonly trainable: ReadonlyMap<string, tf.Variable>;
  readonly optimizer: AdamW;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  private readonly model: Transformer;
  private readonly trainPairs: readonly TokenizedPreference[];
  private readonly evalPairs: readonly TokenizedPreference[];
  private readonly reference: ReferenceSpec;
  private readonly policyFn: PolicyLogProbsFn;
  private readonly padId: number;
  private readonly lossTypes: PreferenceLossType[];
  private readonly schedule: LrScheduleOptions;
  private readonly metrics: MetricsLog;
  private refTrain?: ReferenceLogps;
  private refEval?: ReferenceLogps;
  private orderCache?: { epoch: number; order: number[] };
  private globalStep = 0;

  constructor(private readonly options: DpoTrainerOptions) {
    this.config = resolveDpoConfig(options.config);
    this.model = options.model;
    this.trainPairs = options.train;
    this.evalPairs = options.eval ?? [];
    if (this.trainPairs.length === 0) throw new AligndialError('DpoTrainer: the training set is empty');
    this.lossTypes = resolveLossTypes(this.config.lossType, this.config.lossWeights).types;
    const refNeeded = needsReference(this.lossTypes);
    this.reference = options.reference ?? (refNeeded ? { kind: 'initial-policy' } : { kind: 'none' });
    if (refNeeded && this.reference.kind === 'none') {
      throw new AligndialError(`lossType ${this.lossTypes.join(', ')} needs a reference (only simpo and sft are reference-free)`);
    }
    this.trainable = options.variables ? new Map(options.variables) : selectTrainable(this.model, this.config.trainable);
    if (this.trainable.size === 0) throw new AligndialError('DpoTrainer: no parameter is trainable');
    const embed = this.model.weights.embed;
    // A tied LM head must be derived from `embed` inside the graph only when `embed` trains.
    const training = [...this.trainable.values()].includes(embed as tf.Variable);
    this.policyFn = options.policyLogProbs ?? ((batch) => sequenceLogProbs(this.model, batch, { training }));
    this.padId = options.padTokenId ?? this.model.config.padTokenId ?? 0;
    this.optimizer = new AdamW(this.trainable, {
      beta1: this.config.adamBeta1,
      beta2: this.config.adamBeta2,
      eps: this.config.adamEpsilon,
      weightDecay: this.config.weightDecay,
      excludeFromWeightDecay: isBiasOrNormParameter,
    });
    const pairsPerStep = this.config.batchSize * this.config.gradientAccumulationSteps;
    this.stepsPerEpoch = Math.ceil(this.trainPairs.length / pairsPerStep);
    this.totalSteps = this.config.maxSteps ?? this.config.epochs * this.stepsPerEpoch;
    this.schedule = {
      schedule: this.config.lrSchedulerType,
      learningRate: this.config.learningRate,
      totalSteps: this.totalSteps,
      warmupSteps: this.config.warmupSteps,
      warmupRatio: this.config.warmupRatio,
    };
    const metricsFile = options.metricsFile ?? (options.outputDir ? join(options.outputDir, 'metrics.jsonl') : undefined);
    this.metrics = new MetricsLog(metricsFile);
  }

  /** Optimizer steps done. */
  get step(): number {
    return this.globalStep;
  }

  /** The learning rate of the next update. */
  get learningRate(): number {
    return learningRateAt(Math.min(this.globalStep, this.totalSteps), this.schedule);
  }

  /**
   * Computes (or loads from the cache) the reference log-probs of the train and eval pairs, unless the
   * reference is a per-batch function. `train()` calls it; call it earlier to time it separately.
   * Must run before the first update when the reference is the initial policy.
   */
  prepareReference(): void {
    const spec = this.reference;
    if (spec.kind === 'none' || (spec.kind === 'function' && !spec.precompute)) return;
    if (this.refTrain && (this.evalPairs.length === 0 || this.refEval)) return;
    const fn: SequenceLogProbsFn = spec.kind === 'function' ? spec.logProbs : modelLogProbs(spec.kind === 'model' ? spec.model : this.model);
    const cacheDir = this.options.referenceCacheDir ?? this.options.outputDir;
    let identity: string | undefined;
    if (cacheDir) {
      if (spec.kind === 'function') identity = spec.cacheKey === undefined ? undefined : `function:${spec.cacheKey}`;
      else identity = `model:${modelFingerprint(spec.kind === 'model' ? spec.model : this.model, { exact: true }).fingerprint}`;
    }
    const load = (pairs: readonly TokenizedPreference[]): ReferenceLogps => {
      const cache = cacheDir && identity ? referenceCachePath(cacheDir, identity, pairs) : undefined;
      const cached = cache ? readReferenceCache(cache.path, cache.key, pairs.length) : undefined;
      if (cached) return cached;
      const batchSize = this.config.evalBatchSize ?? this.config.batchSize;
      const logps = computeReferenceLogps(pairs, fn, { batchSize, padTokenId: this.padId, onProgress: this.options.onReferenceProgress });
      if (cache) writeReferenceCache(cache.path, cache.key, logps);
      return logps;
    };
    this.refTrain ??= load(this.trainPairs);
    if (this.evalPairs.length > 0) this.refEval ??= load(this.evalPairs);
  }

  /** Runs training to the end (or `stopAtStep`), resuming from a checkpoint when asked. */
  async train(options: DpoTrainOptions = {}): Promise<DpoTrainResult> {
    this.prepareReference();
    const log: DpoLogRecord[] = [];
    const emit = (record: DpoLogRecord) => {
      log.push(record);
      this.metrics.append(record);
      this.options.onLog?.(record);
    };
    let resumedFrom: string | undefined;
    if (options.resume) {
      const path = typeof options.resume === 'string' ? options.resume : this.options.outputDir ? latestCheckpoint(this.options.outputDir) : undefined;
      if (typeof options.resume === 'string' || path) {
        this.loadCheckpoint(path!);
        resumedFrom = path;
        this.metrics.truncateAfter(this.globalStep);
      } else this.metrics.reset();
    } else if (this.globalStep === 0) this.metrics.reset();

    const stopAt = Math.min(this.totalSteps, options.stopAtStep ?? Infinity);
    const { loggingSteps, saveSteps, evalSteps } = this.config;
    let window: StepOutcome[] = [];
    let lastEval: Record<string, number> | undefined;
    while (this.globalStep < stopAt) {
      const outcome = this.trainStep();
      window.push(outcome);
      const step = this.globalStep;
      this.options.onStep?.(this.record(step, [outcome]), this.totalSteps);
      if (step % loggingSteps === 0 || step === this.totalSteps) {
        emit(this.record(step, window));
        window = [];
      }
      if (this.evalPairs.length > 0 && ((evalSteps > 0 && step % evalSteps === 0) || step === this.totalSteps)) {
        lastEval = this.evaluate();
        emit({ step, epoch: this.epochAt(step), ...lastEval });
      }
      if (this.options.outputDir && saveSteps > 0 && (step % saveSteps === 0 || step === this.totalSteps)) this.saveCheckpoint();
      // Let the event loop breathe (progress output, signals) between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { step: this.globalStep, totalSteps: this.totalSteps, log, eval: lastEval, resumedFrom };
  }

  /**
   * Loss and metrics on `pairs` (default: the eval split) without updating anything, keyed
   * `eval_loss`, `eval_rewards/chosen`, ….
   */
  evaluate(pairs?: readonly TokenizedPreference[]): Record<string, number> {
    const data = pairs ?? this.evalPairs;
    if (data.length === 0) throw new AligndialError('evaluate: no eval pairs');
    let ref: ReferenceLogps | undefined;
    if (this.usesPrecomputedReference()) {
      if (pairs === undefined) {
        this.prepareReference();
        ref = this.refEval;
      } else {
        const spec = this.reference as Exclude<ReferenceSpec, { kind: 'none' }>;
        const fn = spec.kind === 'function' ? spec.logProbs : modelLogProbs(spec.kind === 'model' ? spec.model : this.model);
        if (spec.kind === 'initial-policy' && this.globalStep > 0) {
          throw new AligndialError('evaluate(pairs): the initial policy is gone after training; evaluate these pairs before training or use the eval split');
        }
        ref = computeReferenceLogps(data, fn, { batchSize: this.evalBatchSize, padTokenId: this.padId });
      }
    }
    let lossSum = 0;
    const parts: PairStats[] = [];
    for (let start = 0; start < data.length; start += this.evalBatchSize) {
      const indices = Array.from({ length: Math.min(this.evalBatchSize, data.length - start) }, (_, i) => start + i);
      const batch = collatePreferenceBatch(indices.map((i) => data[i]), this.padId);
      const refTensors = this.referenceTensors(batch, indices, ref);
      try {
        tf.tidy(() => {
          const out = this.batchLoss(batch, refTensors, false);
          lossSum += out.loss.dataSync()[0] * indices.length;
          parts.push(out.stats);
        });
      } finally {
        refTensors?.chosen.dispose();
        refTensors?.rejected.dispose();
      }
    }
    const metrics = preferenceMetrics(mergePairStats(parts));
    const out: Record<string, number> = { eval_loss: lossSum / data.length };
    for (const name of PREFERENCE_METRIC_NAMES) out[`eval_${name}`] = metrics[name];
    return out;
  }

  /** Saves `checkpoint-{step}` in the output directory (atomically); returns its path. */
  saveCheckpoint(): string {
    if (!this.options.outputDir) throw new AligndialError('saveCheckpoint: the trainer has no outputDir');
    return saveTrainingCheckpoint(this.options.outputDir, {
      step: this.globalStep,
      epoch: this.epochAt(this.globalStep),
      variables: this.trainable,
      optimizer: this.optimizer,
      rngState: new Rng(this.config.seed).getState(),
      lrSchedule: this.schedule,
      extra: this.runIdentity(),
      keepLast: this.config.saveTotalLimit > 0 ? this.config.saveTotalLimit : undefined,
    });
  }

  /** Restores trainable weights, optimizer state and the step from a checkpoint of the same run. */
  loadCheckpoint(path: string): void {
    const state = loadTrainingCheckpoint(path, this.trainable, this.optimizer);
    const saved = (state.extra ?? {}) as Record<string, unknown>;
    const now = this.runIdentity();
    for (const [field, value] of Object.entries(now)) {
      if (JSON.stringify(saved[field]) !== JSON.stringify(value)) {
        throw new AligndialError(`${path}: the checkpoint was saved with ${field} = ${describeValue(saved[field])}, this run has ${describeValue(value)}`, {
          hint: 'Resume with the same data and batch settings, or start a new run in another output directory.',
        });
      }
    }
    this.globalStep = state.step;
  }

  /** Frees the optimizer state (the model is the caller's). */
  dispose(): void {
    this.optimizer.dispose();
  }

  private get evalBatchSize(): number {
    return this.config.evalBatchSize ?? this.config.batchSize;
  }

  /** What must match for a checkpoint to continue this run exactly. */
  private runIdentity(): Record<string, string | number> {
    return {
      trainPairs: this.trainPairs.length,
      batchSize: this.config.batchSize,
      gradientAccumulationSteps: this.config.gradientAccumulationSteps,
      seed: this.config.seed,
      shuffle: String(this.config.shuffle),
      totalSteps: this.totalSteps,
    };
  }

  private usesPrecomputedReference(): boolean {
    const spec = this.reference;
    return spec.kind === 'initial-policy' || spec.kind === 'model' || (spec.kind === 'function' && spec.precompute === true);
  }

  private epochAt(step: number): number {
    return Math.round((step / this.stepsPerEpoch) * 1e4) / 1e4;
  }

  /** The pair order of an epoch: a fresh seeded shuffle per epoch, so a step's pairs depend only on (seed, step). */
  private epochOrder(epoch: number): number[] {
    if (this.orderCache?.epoch === epoch) return this.orderCache.order;
    const order = Array.from({ length: this.trainPairs.length }, (_, i) => i);
    if (this.config.shuffle) new Rng((this.config.seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(order);
    this.orderCache = { epoch, order };
    return order;
  }

  /** Pair indices of the optimizer step `step` (0-based), split into micro-batches. */
  private microBatches(step: number): number[][] {
    const { batchSize, gradientAccumulationSteps } = this.config;
    const perStep = batchSize * gradientAccumulationSteps;
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const position = step % this.stepsPerEpoch;
    const indices = this.epochOrder(epoch).slice(position * perStep, (position + 1) * perStep);
    const out: number[][] = [];
    for (let i = 0; i < indices.length; i += batchSize) out.push(indices.slice(i, i + batchSize));
    return out;
  }

  /** Reference log-prob tensors [B] for a batch: from the precomputed values, or the caller's function. */
  private referenceTensors(batch: PreferenceBatch, indices: number[], precomputed: ReferenceLogps | undefined): { chosen: tf.Tensor1D; rejected: tf.Tensor1D } | undefined {
    const spec = this.reference;
    if (spec.kind === 'none') return undefined;
    if (this.usesPrecomputedReference()) {
      if (!precomputed) throw new Error('reference log-probs were not prepared');
      return { chosen: tf.tensor1d(indices.map((i) => precomputed.chosen[i])), rejected: tf.tensor1d(indices.map((i) => precomputed.rejected[i])) };
    }
    const fn = (spec as { logProbs: SequenceLogProbsFn }).logProbs;
    return tf.tidy(() => {
      const all = fn(batch.sequences);
      if (all.shape[0] !== 2 * batch.size) throw new AligndialError(`the reference function returned ${all.shape[0]} log-probs for ${2 * batch.size} sequences`);
      const [chosen, rejected] = tf.split(all, 2) as [tf.Tensor1D, tf.Tensor1D];
      return { chosen, rejected };
    });
  }

  /**
   * The loss tensor of one batch (differentiable when called on the gradient tape) and its metrics,
   * read back as numbers.
   */
  private batchLoss(
    batch: PreferenceBatch,
    ref: { chosen: tf.Tensor1D; rejected: tf.Tensor1D } | undefined,
    training: boolean,
  ): { loss: tf.Scalar; losses: Partial<Record<PreferenceLossType, number>>; stats: PairStats } {
    const logps = this.policyFn(batch.sequences, { training });
    if (logps.shape[0] !== 2 * batch.size) {
      throw new AligndialError(`the policy log-prob function returned ${logps.shape[0]} values for ${2 * batch.size} sequences`);
    }
    const [policyChosen, policyRejected] = tf.split(logps, 2) as [tf.Tensor1D, tf.Tensor1D];
    const out = preferenceLoss(
      {
        policyChosen,
        policyRejected,
        referenceChosen: ref?.chosen,
        referenceRejected: ref?.rejected,
        chosenLengths: batch.chosenLengths,
        rejectedLengths: batch.rejectedLengths,
      },
      this.config,
    );
    const losses: Partial<Record<PreferenceLossType, number>> = {};
    for (const [type, t] of Object.entries(out.losses)) losses[type as PreferenceLossType] = t!.dataSync()[0];
    const read = (t: tf.Tensor) => Array.from(t.dataSync());
    const stats: PairStats = {
      chosenRewards: read(out.chosenRewards),
      rejectedRewards: read(out.rejectedRewards),
      chosenLogps: read(policyChosen),
      rejectedLogps: read(policyRejected),
    };
    return { loss: out.loss, losses, stats };
  }

  /** One optimizer step over `gradientAccumulationSteps` micro-batches. */
  private trainStep(): StepOutcome {
    const step = this.globalStep;
    const started = performance.now();
    const accumulator = new GradientAccumulator();
    const parts: PairStats[] = [];
    const lossSums: Partial<Record<PreferenceLossType, number>> = {};
    let lossSum = 0;
    let tokens = 0;
    const micro = this.microBatches(step);
    try {
      for (const indices of micro) {
        const batch = collatePreferenceBatch(indices.map((i) => this.trainPairs[i]), this.padId);
        tokens += batch.tokens;
        const ref = this.referenceTensors(batch, indices, this.refTrain);
        let captured: { losses: Partial<Record<PreferenceLossType, number>>; stats: PairStats } | undefined;
        try {
          const { loss, grads } = withCheckpointing(this.model, this.config.gradientCheckpointing, () =>
            computeGradients(
              () => {
                const out = this.batchLoss(batch, ref, true);
                captured = { losses: out.losses, stats: out.stats };
                return out.loss;
              },
              this.trainable,
              { step: step + 1 },
            ),
          );
          accumulator.add(grads);
          lossSum += loss;
          parts.push(captured!.stats);
          for (const [type, v] of Object.entries(captured!.losses)) lossSums[type as PreferenceLossType] = (lossSums[type as PreferenceLossType] ?? 0) + v;
        } finally {
          ref?.chosen.dispose();
          ref?.rejected.dispose();
        }
      }
    } catch (error) {
      accumulator.reset();
      throw error;
    }
    const mean = accumulator.mean();
    const learningRate = learningRateAt(step, this.schedule);
    // Gradient norms are read before optimizerStep, which disposes `mean`.
    const norms = this.options.logTensorNorms ? this.tensorNormsBefore(mean) : undefined;
    const gradNorm = optimizerStep(this.optimizer, mean, { learningRate, maxGradNorm: this.config.maxGradNorm, step: step + 1 });
    const tensorNorms = norms?.finish();
    this.globalStep = step + 1;
    const n = micro.length;
    const losses: Partial<Record<PreferenceLossType, number>> = {};
    for (const [type, v] of Object.entries(lossSums)) losses[type as PreferenceLossType] = v / n;
    return { loss: lossSum / n, losses, stats: mergePairStats(parts), tokens, gradNorm, learningRate, seconds: (performance.now() - started) / 1000, tensorNorms };
  }

  /**
   * Per-tensor gradient norms now and a copy of the trainable weights; `finish()`, after the optimizer
   * step, adds the update and parameter norms and frees the copy.
   */
  private tensorNormsBefore(grads: ReadonlyMap<string, tf.Tensor>): { finish: () => Record<string, number> } {
    const norms: Record<string, number> = {};
    const before = new Map<string, tf.Tensor>();
    for (const [name, v] of this.trainable) {
      const g = grads.get(name);
      norms[`grad_norm/${name}`] = g ? tf.tidy(() => tf.norm(g).dataSync()[0]) : 0;
      before.set(name, tf.clone(v));
    }
    return {
      finish: () => {
        for (const [name, v] of this.trainable) {
          const old = before.get(name)!;
          norms[`update_norm/${name}`] = tf.tidy(() => tf.norm(tf.sub(v, old)).dataSync()[0]);
          norms[`param_norm/${name}`] = tf.tidy(() => tf.norm(v).dataSync()[0]);
          old.dispose();
        }
        return norms;
      },
    };
  }

  /** A metrics line averaging `outcomes` (the steps since the last line). */
  private record(step: number, outcomes: readonly StepOutcome[]): DpoLogRecord {
    const avg = (f: (o: StepOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0) / outcomes.length;
    const metrics = preferenceMetrics(mergePairStats(outcomes.map((o) => o.stats)));
    const last = outcomes[outcomes.length - 1];
    const record: DpoLogRecord = { step, epoch: this.epochAt(step), loss: avg((o) => o.loss) };
    if (this.lossTypes.length > 1) for (const t of this.lossTypes) record[`loss/${t}`] = avg((o) => o.losses[t] ?? 0);
    for (const name of PREFERENCE_METRIC_NAMES) record[name] = metrics[name];
    record.learning_rate = last.learningRate;
    record.grad_norm = last.gradNorm;
    const seconds = outcomes.reduce((a, o) => a + o.seconds, 0);
    record.tokens_per_second = seconds > 0 ? outcomes.reduce((a, o) => a + o.tokens, 0) / seconds : 0;
    if (last.tensorNorms) Object.assign(record, last.tensorNorms);
    return record;
  }
}
