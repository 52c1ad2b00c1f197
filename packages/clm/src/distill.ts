import {
  AdamW,
  AligndialError,
  type HeadInput,
  type TrainingConfig,
  Rng,
  type SequenceBatch,
  type Transformer,
  buildSequenceBatch,
  computeGradients,
  isBiasOrNormParameter,
  type JsonValue,
  learningRateAt,
  loadTrainingCheckpoint,
  optimizerStep,
  saveTrainingCheckpoint,
  tf,
  validateTrainingConfig,
  withCheckpointing,
} from '@aligndial/core';
import { latestCheckpoint } from '@aligndial/core/internal';
import { kdLossFromHeads, predictionMask } from '@aligndial/dpo';
import { type ClmModel, lambdaHeadInput } from './clm-model.js';
import { deraHeadInput } from './dera-decoder.js';
import { cloneLayer } from './expand.js';
import { validateLambda } from './lambda-mix.js';

/** One training sequence: a prompt and a completion whose positions the KD loss counts. */
export interface DistillSequence {
  promptIds: readonly number[];
  completionIds: readonly number[];
}

/**
 * The teacher of a padded batch, stopped before its LM head (features [B, T, F] and the head: core's
 * `HeadInput`): the KD loss runs the head only at the completion positions, in chunks, so no teacher
 * logits [B, T, V] exist whole. Constants: no gradient flows into the teacher.
 */
export type TeacherFn = (batch: SequenceBatch) => HeadInput;

/** The distillation teacher "CLM at λ" (paper Eq. 7 through the dual path). */
export function clmTeacher(clm: ClmModel, lambda: number): TeacherFn {
  validateLambda(lambda);
  return (batch) => clm.headInput(batch.inputIds, { lambda, attentionMask: batch.attentionMask, warn: () => {} });
}

/**
 * The CLM at λ as a teacher that training `clm` afterwards does not move: a frozen copy of the added layers
 * on the shared base layers (no second copy of the base). `dispose` frees the copy.
 */
export function frozenClmTeacher(clm: ClmModel, lambda: number): TeacherFn & { dispose(): void } {
  validateLambda(lambda);
  const snapshot = clm.addedLayers.map(cloneLayer);
  const base = clm.baseLayers;
  const teacher = (batch: SequenceBatch) => lambdaHeadInput(clm.model, snapshot, base, batch.inputIds, { lambda, attentionMask: batch.attentionMask });
  return Object.assign(teacher, {
    dispose: () => {
      for (const layer of snapshot) for (const [, v] of layer.parameters()) v.dispose();
    },
  });
}

/** The distillation teacher "DeRa at λ": two whole models mixed (paper Sec. 3). */
export function deraTeacher(aligned: Transformer, reference: Transformer, lambda: number): TeacherFn {
  validateLambda(lambda);
  return (batch) => deraHeadInput(aligned, reference, batch.inputIds, { lambda, attentionMask: batch.attentionMask, warn: () => {} });
}

/** The shared training fields distillation takes (core's TrainingConfig); see {@link DISTILL_DEFAULTS}. */
export type DistillTrainingFields = 'batchSize' | 'learningRate' | 'lrSchedulerType' | 'warmupRatio' | 'weightDecay' | 'maxGradNorm' | 'seed' | 'gradientCheckpointing';

/**
 * Distillation's defaults for the shared training fields, where they differ from core's
 * `DEFAULT_TRAINING_CONFIG` (DPO's): KD of one λ into a fresh layer wants a larger, constant learning rate.
 */
export const DISTILL_DEFAULTS: Readonly<Pick<TrainingConfig, DistillTrainingFields>> = {
  batchSize: 4,
  learningRate: 1e-4,
  lrSchedulerType: 'constant',
  warmupRatio: 0,
  weightDecay: 0,
  maxGradNorm: 1,
  seed: 0,
  gradientCheckpointing: false,
};

export interface DistillOptions extends Partial<Pick<TrainingConfig, DistillTrainingFields>> {
  /** The model being trained; its output logits are compared with the teacher's. */
  student: Transformer;
  /** Which of the student's variables train (by name); default every parameter. */
  variables?: ReadonlyMap<string, tf.Variable>;
  teacher: TeacherFn;
  /**
   * The student on a batch, stopped before its LM head (default `student.headInput`); CLM uses its λ = 1
   * path. `training` asks for a head that differentiates a tied embedding.
   */
  studentHeadInput?: (batch: SequenceBatch, training: boolean) => HeadInput;
  data: readonly DistillSequence[];
  /** Optimizer steps (default: one epoch). */
  steps?: number;
  /** Eq. 8 sums the per-token KL over positions (`sum`, default); `mean` averages over counted positions. */
  reduction?: 'sum' | 'mean';
  padTokenId?: number;
  /** After every step: step (1-based), total and the step's KD loss. */
  onStep?: (step: number, total: number, loss: number) => void;
  /**
   * Where checkpoints go (`checkpoint-{step}/`: the trained variables, AdamW state, trainer state),
   * every `saveSteps` steps and after the last one. Without it nothing is saved.
   */
  outputDir?: string;
  /** Checkpoint every N steps (default 0: only after the last step). */
  saveSteps?: number;
  /** Keep only the newest N checkpoints (default: all). */
  saveTotalLimit?: number;
  /**
   * Continue a run: `true` resumes from the newest complete checkpoint in `outputDir` (starting
   * fresh when there is none), a path from that checkpoint. The data order depends only on
   * (seed, step), so a resumed run takes the same steps as an uninterrupted one.
   */
  resume?: boolean | string;
  /** Extra facts identifying the run (e.g. λ, the teacher); a checkpoint of another run is refused. */
  runIdentity?: Record<string, JsonValue>;
}

export interface DistillResult {
  /** Steps done in total (resumed ones included). */
  steps: number;
  /** KD loss of every step run by this call. */
  losses: number[];
  /** The checkpoint this call resumed from, if any. */
  resumedFrom?: string;
  /** The last checkpoint written, if any. */
  checkpoint?: string;
}

/** The data order of an epoch: a fresh seeded shuffle per epoch, so a step's sequences depend only on (seed, step). */
function epochOrder(count: number, seed: number, epoch: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  new Rng((seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(order);
  return order;
}

/**
 * Knowledge distillation of a fixed λ (paper Sec. 3, Eq. 8): minimises
 * Σ_t KL(π_student(·|x, y<t) ‖ softmax(teacher_t)) over the completion positions of `data`, updating only
 * the chosen student variables with AdamW. The teacher is any function of the batch (a CLM or DeRa at λ).
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  const { student, data } = options;
  if (data.length === 0) throw new AligndialError('distill: no training sequences');
  const variables = new Map(options.variables ?? student.parameters());
  if (variables.size === 0) throw new AligndialError('distill: no variable to train');
  validateTrainingConfig(options, 'distill');
  const batchSize = options.batchSize ?? DISTILL_DEFAULTS.batchSize;
  const stepsPerEpoch = Math.ceil(data.length / batchSize);
  const steps = options.steps ?? stepsPerEpoch;
  if (!Number.isInteger(steps) || steps < 1) throw new AligndialError(`distill: steps must be a whole number ≥ 1, got ${String(steps)}`);
  const padId = options.padTokenId ?? student.config.padTokenId ?? 0;
  const schedule = {
    schedule: options.lrSchedulerType ?? DISTILL_DEFAULTS.lrSchedulerType,
    learningRate: options.learningRate ?? DISTILL_DEFAULTS.learningRate,
    totalSteps: steps,
    warmupRatio: options.warmupRatio ?? DISTILL_DEFAULTS.warmupRatio,
  } as const;
  const maxGradNorm = options.maxGradNorm ?? DISTILL_DEFAULTS.maxGradNorm;
  // A tied LM head trains only when the embedding does.
  const embedTrains = [...variables.values()].includes(student.weights.embed as tf.Variable);
  const studentHeadInput =
    options.studentHeadInput ?? ((batch, training) => student.headInput(batch.inputIds, { attentionMask: batch.attentionMask, training: training && embedTrains }));
  const checkpointing = options.gradientCheckpointing ?? DISTILL_DEFAULTS.gradientCheckpointing;
  const optimizer = new AdamW(variables, { weightDecay: options.weightDecay ?? DISTILL_DEFAULTS.weightDecay, excludeFromWeightDecay: isBiasOrNormParameter });
  const seed = options.seed ?? DISTILL_DEFAULTS.seed;
  const identity: Record<string, JsonValue> = { steps, batchSize, sequences: data.length, seed, ...options.runIdentity };
  let order: number[] = [];
  const losses: number[] = [];
  let startStep = 0;
  let resumedFrom: string | undefined;
  let checkpoint: string | undefined;
  const save = (step: number) =>
    saveTrainingCheckpoint(options.outputDir!, {
      step,
      epoch: step / stepsPerEpoch,
      variables,
      optimizer,
      rngState: new Rng(seed).getState(),
      lrSchedule: schedule,
      extra: identity,
      keepLast: options.saveTotalLimit && options.saveTotalLimit > 0 ? options.saveTotalLimit : undefined,
    });
  try {
    if (options.resume) {
      const path = typeof options.resume === 'string' ? options.resume : options.outputDir ? latestCheckpoint(options.outputDir) : undefined;
      if (path) {
        const state = loadTrainingCheckpoint(path, variables, optimizer);
        const saved = (state.extra ?? {}) as Record<string, JsonValue>;
        for (const [field, value] of Object.entries(identity)) {
          if (JSON.stringify(saved[field]) !== JSON.stringify(value)) {
            throw new AligndialError(`${path}: the checkpoint was saved with ${field} = ${JSON.stringify(saved[field])}, this run has ${JSON.stringify(value)}`, {
              hint: 'Resume with the same data, λ and step settings, or start a new run in another output directory.',
            });
          }
        }
        startStep = state.step;
        resumedFrom = path;
      }
    }
    for (let step = startStep; step < steps; step++) {
      if (step === startStep || step % stepsPerEpoch === 0) order = epochOrder(data.length, seed, Math.floor(step / stepsPerEpoch));
      const start = (step % stepsPerEpoch) * batchSize;
      const batch = buildSequenceBatch(order.slice(start, start + batchSize).map((i) => data[i]), padId);
      // A teacher's intermediates are freed here; its features stay until the step is done.
      let teacher!: HeadInput;
      tf.tidy(() => {
        teacher = options.teacher(batch);
        return teacher.features;
      });
      const mask = predictionMask(batch.completionMask);
      let loss: number;
      let grads: Map<string, tf.Tensor>;
      try {
        // The heads run in chunks of completion positions, recomputed in the backward pass: no [tokens, V] anywhere.
        const kd = () => kdLossFromHeads(studentHeadInput(batch, true), teacher, { mask, reduction: options.reduction });
        ({ loss, grads } = withCheckpointing(student, checkpointing, () => computeGradients(kd, variables, { step: step + 1 })));
      } finally {
        teacher.features.dispose();
      }
      optimizerStep(optimizer, grads, { learningRate: learningRateAt(step, schedule), maxGradNorm, step: step + 1 });
      losses.push(loss);
      options.onStep?.(step + 1, steps, loss);
      const saveSteps = options.saveSteps ?? 0;
      if (options.outputDir && (step + 1 === steps || (saveSteps > 0 && (step + 1) % saveSteps === 0))) checkpoint = save(step + 1);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }
  return { steps, losses, ...(resumedFrom ? { resumedFrom } : {}), ...(checkpoint ? { checkpoint } : {}) };
}

/** Options of {@link distillClmLambda}: {@link DistillOptions} without student, teacher and variables. */
export type DistillClmOptions = Omit<DistillOptions, 'student' | 'variables' | 'teacher' | 'studentHeadInput'>;

/**
 * Bakes a fixed λ into the CLM's added layers: trains them so that the CLM at λ = 1 matches what it produced
 * at `lambda` before (the teacher runs a frozen snapshot of the added layers on the shared base). Afterwards
 * λ = 1 means "the old λ", λ = 0 is still the base, and `clm.origin.training` records the distillation.
 */
export async function distillClmLambda(clm: ClmModel, lambda: number, options: DistillClmOptions): Promise<DistillResult> {
  const teacher = frozenClmTeacher(clm, lambda);
  try {
    const result = await distill({
      ...options,
      student: clm.model,
      variables: clm.addedParameters(),
      studentHeadInput: (batch) => clm.headInput(batch.inputIds, { lambda: 1, attentionMask: batch.attentionMask }),
      teacher,
      runIdentity: { lambda, into: 'adapter', ...options.runIdentity },
    });
    clm.origin.training = {
      method: 'clm-distill',
      lambda,
      steps: result.steps,
      sequences: options.data.length,
      learningRate: options.learningRate ?? 1e-4,
      finalLoss: result.losses[result.losses.length - 1],
      ...(clm.origin.training ? { before: clm.origin.training } : {}),
    };
    return result;
  } finally {
    teacher.dispose();
  }
}

/** The chosen completions of tokenized preference pairs, as distillation sequences. */
export function chosenSequences(pairs: readonly { promptIds: readonly number[]; chosenIds: readonly number[] }[]): DistillSequence[] {
  return pairs.map((p) => ({ promptIds: p.promptIds, completionIds: p.chosenIds }));
}

/** Options of {@link meanTokenKl}. */
export interface MeanTokenKlOptions {
  /** The student on a batch, stopped before its LM head (e.g. the CLM at λ = 1, or a plain model's `headInput`). */
  student: (batch: SequenceBatch) => HeadInput;
  teacher: TeacherFn;
  data: readonly DistillSequence[];
  /** Sequences per forward pass (default 8). */
  batchSize?: number;
  padTokenId?: number;
}

/**
 * Mean per-token KL(student ‖ teacher) in nats over the completion positions of `data`: how far
 * the distilled model at λ = 1 is from the teacher at the distilled λ (0 = identical).
 */
export function meanTokenKl(options: MeanTokenKlOptions): number {
  const batchSize = options.batchSize ?? 8;
  let total = 0;
  let tokens = 0;
  for (let start = 0; start < options.data.length; start += batchSize) {
    const batch = buildSequenceBatch(options.data.slice(start, start + batchSize), options.padTokenId ?? 0);
    const mask = predictionMask(batch.completionMask);
    const rows = mask.length;
    // The KD loss with `sum` is the batch mean of per-row sums: × rows gives the batch's total KL.
    total += rows * tf.tidy(() => kdLossFromHeads(options.student(batch), options.teacher(batch), { mask }).dataSync()[0]);
    tokens += mask.reduce((n, row) => n + row.reduce((a, m) => a + m, 0), 0);
  }
  if (tokens === 0) throw new AligndialError('meanTokenKl: the data has no completion tokens');
  return total / tokens;
}
