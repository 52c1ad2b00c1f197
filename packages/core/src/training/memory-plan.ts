import { freemem, totalmem } from 'node:os';
import { AligndialError } from '../errors.js';
import { type ModelConfig, countParameters } from '../model/config.js';
import { WASM_MAX_WEIGHT_BYTES } from '../model/memory-limits.js';
import { headChunkPositions } from '../generation/logprobs.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const F32 = 4;

/** What a training step will hold, described before any weight is read. */
export interface MemoryPlanInput {
  /** The model as trained (CLM: the base config with `numLayers` counting the added layers). */
  config: ModelConfig;
  /** Sequences per micro-batch (2 × pairs for preference training). */
  rows: number;
  /** Padded sequence length of the longest micro-batch. */
  length: number;
  /** Positions whose log-prob is scored per micro-batch (completion tokens); default rows × (length − 1). */
  scoredPositions?: number;
  /** Parameters that train (they get gradients and AdamW's two moments). */
  trainableParameters: number;
  /** Whether the (tied) embedding trains: its gradient passes a [V, D] scatter and the head's transpose. */
  trainsEmbedding?: boolean;
  checkpointing: boolean;
  /** Bytes per stored weight; the wasm and tfjs-node backends compute in float32 (4). */
  weightBytes?: number;
  /**
   * The frozen matrices live in the matmul engine's own memory (`--weights` f32/bf16/int8 on wasm/cpu), not in
   * this heap: only the trainable weights (tfjs Variables) count here. The engine's memory is checked on load.
   */
  frozenInEngine?: boolean;
  /** Bytes of other models held in this heap beside the one trained (a distillation teacher); default 0. */
  extraWeights?: number;
  /**
   * The loss at the head: `logprobs` (preference training: ≈ 8·V floats per scored position, chunks recomputed
   * only with checkpointing) or `kd` (distillation's KD loss: two heads, ≈ 16·V floats per position, chunks
   * always recomputed). Default `logprobs`.
   */
  headLoss?: 'logprobs' | 'kd';
}

/** The estimate, in bytes, by part. */
export interface MemoryPlan {
  weights: number;
  /** AdamW's first and second moments of every trainable parameter (float32). */
  optimizerState: number;
  /** Gradients at the step's peak (the fresh ones, plus the embedding scatter when it trains). */
  gradients: number;
  /** Activations the backward pass needs, at their peak. */
  activations: number;
  total: number;
  checkpointing: boolean;
  rows: number;
  length: number;
}

/**
 * Peak tensor memory of one training step (forward + backward + AdamW) of a Llama-family decoder.
 * The per-token coefficients were measured on the wasm backend (each tensor buffer counted once, see
 * `startTensorMemoryMeter`) over hidden sizes, MLP widths, head counts, depths and lengths, and fit
 * within a few per cent; the test `memory-plan.test.ts` checks the estimate against a measured step.
 *
 * Without checkpointing the tape keeps every layer's intermediates (frozen layers' too):
 * per token and layer ≈ 28.6·D + 7.2·F + 5.4·H·T floats. With it, only each layer's input stays
 * (≈ 3.5·D per layer, the saved input and the gradient flowing back), plus the larger of one layer
 * recomputed with its backward (≈ 27·D + 15.6·F + 6·H·T) and one LM-head chunk. The LM head and
 * log-softmax cost ≈ 8·V floats per scored position: all of them without checkpointing, one chunk with it
 * (the KD loss: ≈ 16·V, always one chunk, measured with `packages/dpo/bench/kd-loss-memory.ts`).
 */
export function planTrainingMemory(input: MemoryPlanInput): MemoryPlan {
  const { config, rows, length, checkpointing } = input;
  const { hiddenSize: D, intermediateSize: F, numHeads: H, numLayers: L, vocabSize: V } = config;
  const tokens = rows * length;
  const scored = input.scoredPositions ?? rows * Math.max(0, length - 1);
  const weightBytes = input.weightBytes ?? F32;
  const tiedHeadCopy = tiedHeadCopyBytes(config);
  const weights = input.frozenInEngine
    ? input.trainableParameters * F32 + (input.trainsEmbedding ? tiedHeadCopy : 0)
    : modelHeapBytes(config, weightBytes);
  const extraWeights = input.extraWeights ?? 0;
  const optimizerState = 2 * input.trainableParameters * F32;
  const embedGrad = input.trainsEmbedding ? 2 * V * D * F32 : 0;
  const gradients = (checkpointing ? 1.5 : 2) * input.trainableParameters * F32 + embedGrad;
  const perLayerPlain = 28.6 * D + 7.2 * F + 5.4 * H * length;
  const kd = input.headLoss === 'kd';
  const headPositions = checkpointing || kd ? Math.min(scored, headChunkPositions(V)) : scored;
  const head = (kd ? 16 : 8) * V * headPositions;
  // Checkpointed, the head's backward (first) and each layer's recompute (after it) do not overlap.
  const activationFloats = checkpointing
    ? tokens * 3.5 * L * D + Math.max(tokens * (27 * D + 15.6 * F + 6 * H * length), head)
    : tokens * (L * perLayerPlain + 32 * D + 900) + head;
  const activations = activationFloats * F32;
  // After the backward pass AdamW holds the averaged and clipped gradients too, and a few temporaries the size
  // of the variable it is updating (the largest: the embedding, or an MLP matrix); the step peaks at the larger phase.
  const largest = input.trainsEmbedding ? V * D : Math.min(input.trainableParameters, 2 * D * F);
  const optimizerPhase = 3 * input.trainableParameters * F32 + 6 * largest * F32;
  const total = weights + extraWeights + optimizerState + Math.max(activations + gradients, optimizerPhase);
  return { weights: weights + extraWeights, optimizerState, gradients, activations, total, checkpointing, rows, length };
}

/** A tied head is kept transposed ([D, V]) beside the embedding for inference-mode matmuls (the reference pass). */
function tiedHeadCopyBytes(config: ModelConfig): number {
  return config.tieWordEmbeddings ? config.vocabSize * config.hiddenSize * F32 : 0;
}

/** Bytes a model's weights hold in the tfjs heap as Variables (with a tied head's transposed copy). */
export function modelHeapBytes(config: ModelConfig, weightBytes = F32): number {
  return countParameters(config) * weightBytes + tiedHeadCopyBytes(config);
}

/** How much tensor memory training may use here: the wasm heap's 4 GiB less headroom, or 80 % of RAM. */
export function trainingMemoryBudget(backend: string): { bytes: number; what: string } {
  if (backend === 'wasm') return { bytes: 3.6 * GIB, what: 'the wasm heap: 4 GiB less headroom' };
  const bytes = Math.min(0.8 * totalmem(), totalmem() - 1 * GIB, freemem() + 0.5 * totalmem());
  return { bytes, what: `80 % of this machine's ${(totalmem() / GIB).toFixed(1)} GiB of memory` };
}

/** `1.23 GiB` / `456 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  return bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

function planParts(plan: MemoryPlan): string {
  return (
    `weights ${formatBytes(plan.weights)} + optimizer ${formatBytes(plan.optimizerState)} + gradients ${formatBytes(plan.gradients)} + ` +
    `activations ${formatBytes(plan.activations)} (${plan.rows} sequences × ${plan.length} tokens, checkpointing ${plan.checkpointing ? 'on' : 'off'})`
  );
}

/** The plan on one line, e.g. for stderr before training starts. */
export function memoryPlanLine(plan: MemoryPlan, budget: { bytes: number; what: string }): string {
  return `memory plan: ${planParts(plan)} ≈ ${formatBytes(plan.total)} of ${formatBytes(budget.bytes)} (${budget.what})`;
}

/** `on` / `off`, or `auto`: off when the plain step fits the budget, else on. */
export type GradientCheckpointingMode = 'on' | 'off' | 'auto';

export interface ResolvedMemoryPlan {
  plan: MemoryPlan;
  budget: { bytes: number; what: string };
  /** Whether to checkpoint (the `auto` decision made). */
  checkpointing: boolean;
  line: string;
}

/**
 * Decides `auto` checkpointing and refuses up front, with the numbers, a run whose step cannot fit:
 * the message names the largest batch (at this length) and the longest length (at this batch) that
 * would, and the options that help. `pairsPerRow` is 2 for preference pairs (chosen + rejected).
 * @throws AligndialError when it cannot fit.
 */
export function resolveMemoryPlan(
  input: Omit<MemoryPlanInput, 'checkpointing'>,
  mode: GradientCheckpointingMode,
  backend: string,
  options: { rowsPerExample?: number; what?: string } = {},
): ResolvedMemoryPlan {
  const budget = trainingMemoryBudget(backend);
  const plain = planTrainingMemory({ ...input, checkpointing: false });
  const checkpointing = mode === 'on' || (mode === 'auto' && plain.total > budget.bytes);
  const plan = checkpointing ? planTrainingMemory({ ...input, checkpointing: true }) : plain;
  const line = memoryPlanLine(plan, budget);
  const weightsTooBig = backend === 'wasm' && plan.weights > WASM_MAX_WEIGHT_BYTES;
  if (plan.total > budget.bytes || weightsTooBig) {
    const perExample = options.rowsPerExample ?? 2;
    const unit = perExample === 2 ? 'pairs' : 'sequences';
    const fits = (rows: number, length: number) => {
      const scale = (input.scoredPositions ?? input.rows * (input.length - 1)) / Math.max(1, input.rows * (input.length - 1));
      const p = planTrainingMemory({ ...input, rows, length, scoredPositions: Math.round(scale * rows * (length - 1)), checkpointing });
      return p.total <= budget.bytes && !weightsTooBig;
    };
    let batch = 0;
    for (let b = Math.floor(input.rows / perExample); b >= 1; b--) {
      if (fits(b * perExample, input.length)) {
        batch = b;
        break;
      }
    }
    let longest = 0;
    for (let lo = 2, hi = input.length; lo <= hi; ) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(perExample, mid)) {
        longest = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const helps: string[] = [];
    if (!checkpointing) helps.push('--gradient-checkpointing on');
    if (batch > 0) helps.push(`--batch-size ${batch} (with --grad-accum for the same effective batch)`);
    if (longest > 0) helps.push(`--max-length ${longest} at 1 ${unit === 'pairs' ? 'pair' : 'sequence'} per batch`);
    helps.push('training fewer parameters (clm train, or --trainable bottom:K)');
    if (backend === 'wasm') helps.push('the node backend (npm install @tensorflow/tfjs-node@4.22.0), which is not bound to a 4 GiB heap');
    // What no batch goes below: weights, AdamW's moments and the larger of gradients and the update's temporaries.
    const floor = planTrainingMemory({ ...input, rows: perExample, length: 2, scoredPositions: perExample, checkpointing }).total;
    const largest =
      batch > 0
        ? `the largest that fits is ${batch} ${unit} × ${input.length} tokens`
        : longest > 0
          ? `the largest that fits is 1 × ${longest} tokens`
          : `no batch fits: weights, optimizer state and the optimizer step alone need ${formatBytes(floor)}`;
    throw new AligndialError(`${options.what ?? 'training'} needs about ${formatBytes(plan.total)} but ${formatBytes(budget.bytes)} is available in ${budget.what} (${planParts(plan)}); ${largest}`, {
      hint: `Try ${helps.join('; or ')}.`,
    });
  }
  return { plan, budget, checkpointing, line };
}
