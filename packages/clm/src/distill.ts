import {
  AdamW,
  AligndialError,
  type TrainingConfig,
  Rng,
  type SequenceBatch,
  type Transformer,
  buildSequenceBatch,
  computeGradients,
  isBiasOrNormParameter,
  learningRateAt,
  optimizerStep,
  tf,
  validateTrainingConfig,
} from '@aligndial/core';
import { kdLossFromTeacher, predictionMask } from '@aligndial/dpo';
import { type ClmModel, lambdaForward } from './clm-model.js';
import { deraForward } from './dera-decoder.js';
import { cloneLayer } from './expand.js';
import { validateLambda } from './lambda-mix.js';

/** One training sequence: a prompt and a completion whose positions the KD loss counts. */
export interface DistillSequence {
  promptIds: readonly number[];
  completionIds: readonly number[];
}

/** Teacher logits [B, T, V] of a padded batch; constants (no gradient flows into the teacher). */
export type TeacherFn = (batch: SequenceBatch) => tf.Tensor3D;

/** The distillation teacher "CLM at λ" (paper Eq. 7 through the dual path). */
export function clmTeacher(clm: ClmModel, lambda: number): TeacherFn {
  validateLambda(lambda);
  return (batch) => clm.forward(batch.inputIds, { lambda, attentionMask: batch.attentionMask, warn: () => {} });
}

/** The distillation teacher "DeRa at λ": two whole models mixed (paper Sec. 3). */
export function deraTeacher(aligned: Transformer, reference: Transformer, lambda: number): TeacherFn {
  validateLambda(lambda);
  return (batch) => deraForward(aligned, reference, batch.inputIds, { lambda, attentionMask: batch.attentionMask, warn: () => {} });
}

/** The shared training fields distillation takes (core's TrainingConfig); see {@link DISTILL_DEFAULTS}. */
export type DistillTrainingFields = 'batchSize' | 'learningRate' | 'lrSchedulerType' | 'warmupRatio' | 'weightDecay' | 'maxGradNorm' | 'seed';

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
};

export interface DistillOptions extends Partial<Pick<TrainingConfig, DistillTrainingFields>> {
  /** The model being trained; its output logits are compared with the teacher's. */
  student: Transformer;
  /** Which of the student's variables train (by name); default every parameter. */
  variables?: ReadonlyMap<string, tf.Variable>;
  teacher: TeacherFn;
  /** The student's logits for a batch (default `student.forward`); CLM uses its λ = 1 path. */
  studentLogits?: (batch: SequenceBatch, training: boolean) => tf.Tensor3D;
  data: readonly DistillSequence[];
  /** Optimizer steps (default: one epoch). */
  steps?: number;
  /** Eq. 8 sums the per-token KL over positions (`sum`, default); `mean` averages over counted positions. */
  reduction?: 'sum' | 'mean';
  padTokenId?: number;
  /** After every step: step (1-based), total and the step's KD loss. */
  onStep?: (step: number, total: number, loss: number) => void;
}

export interface DistillResult {
  steps: number;
  /** KD loss of every step. */
  losses: number[];
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
  const embedTrains = [...variables.values()].includes(student.weights.embed);
  const studentLogits = options.studentLogits ?? ((batch, training) => student.forward(batch.inputIds, { attentionMask: batch.attentionMask, training: training && embedTrains }));
  const optimizer = new AdamW(variables, { weightDecay: options.weightDecay ?? DISTILL_DEFAULTS.weightDecay, excludeFromWeightDecay: isBiasOrNormParameter });
  const rng = new Rng(options.seed ?? DISTILL_DEFAULTS.seed);
  let order: number[] = [];
  const losses: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      if (step % stepsPerEpoch === 0) {
        order = Array.from({ length: data.length }, (_, i) => i);
        rng.shuffle(order);
      }
      const start = (step % stepsPerEpoch) * batchSize;
      const batch = buildSequenceBatch(order.slice(start, start + batchSize).map((i) => data[i]), padId);
      const teacher = tf.tidy(() => options.teacher(batch));
      const mask = predictionMask(batch.completionMask);
      let loss: number;
      let grads: Map<string, tf.Tensor>;
      try {
        ({ loss, grads } = computeGradients(() => kdLossFromTeacher(studentLogits(batch, true), teacher, { mask, reduction: options.reduction }), variables, { step: step + 1 }));
      } finally {
        teacher.dispose();
      }
      optimizerStep(optimizer, grads, { learningRate: learningRateAt(step, schedule), maxGradNorm, step: step + 1 });
      losses.push(loss);
      options.onStep?.(step + 1, steps, loss);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }
  return { steps, losses };
}

/** Options of {@link distillClmLambda}: {@link DistillOptions} without student, teacher and variables. */
export type DistillClmOptions = Omit<DistillOptions, 'student' | 'variables' | 'teacher' | 'studentLogits'>;

/**
 * Bakes a fixed λ into the CLM's added layers: trains them so that the CLM at λ = 1 matches what it produced
 * at `lambda` before (the teacher runs a frozen snapshot of the added layers on the shared base). Afterwards
 * λ = 1 means "the old λ", λ = 0 is still the base, and `clm.origin.training` records the distillation.
 */
export async function distillClmLambda(clm: ClmModel, lambda: number, options: DistillClmOptions): Promise<DistillResult> {
  validateLambda(lambda);
  const snapshot = clm.addedLayers.map(cloneLayer);
  const base = clm.baseLayers;
  try {
    const result = await distill({
      ...options,
      student: clm.model,
      variables: clm.addedParameters(),
      studentLogits: (batch) => clm.forward(batch.inputIds, { lambda: 1, attentionMask: batch.attentionMask }),
      teacher: (batch) => lambdaForward(clm.model, snapshot, base, batch.inputIds, { lambda, attentionMask: batch.attentionMask }),
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
    for (const layer of snapshot) for (const [, v] of layer.parameters()) v.dispose();
  }
}

/** The chosen completions of tokenized preference pairs, as distillation sequences. */
export function chosenSequences(pairs: readonly { promptIds: readonly number[]; chosenIds: readonly number[] }[]): DistillSequence[] {
  return pairs.map((p) => ({ promptIds: p.promptIds, completionIds: p.chosenIds }));
}
