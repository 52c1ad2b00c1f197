import { type ModelConfig, type SequenceBatch, modelFingerprint, parameterSizes, sequenceLogProbs, type tf } from '@aligndial/core';
import { DpoTrainer, type DpoTrainerOptions, type DpoTrainOptions, type DpoTrainResult, needsReference, resolveDpoConfig } from '@aligndial/dpo';
import type { ClmModel } from './clm-model.js';

/** Options of {@link createClmTrainer}: the dpo trainer's, minus what CLM decides (model, trainable set, reference). */
export type ClmTrainerOptions = Omit<DpoTrainerOptions, 'model' | 'variables' | 'reference' | 'policyLogProbs'>;

/** Parameters that `layers` added CLM layers of a model with this config train (before any weight is read). */
export function addedLayerParameters(config: ModelConfig, layers: number): number {
  let perLayer = 0;
  for (const [name, size] of parameterSizes({ ...config, numLayers: 1 })) if (name.startsWith('layers.0.')) perLayer += size;
  return layers * perLayer;
}

/** The reference (λ = 0) path's summed completion log-probs: the base stack alone, same weights. */
export function clmReferenceLogProbs(clm: ClmModel): (batch: SequenceBatch) => tf.Tensor1D {
  return (batch) => sequenceLogProbs(clm.reference, batch);
}

/**
 * A dpo `DpoTrainer` that trains only the CLM's added layers (paper Sec. 4.2): the policy is the aligned
 * path (added layers, then the frozen base stack and LM head), the reference is the same model without the
 * added layers (λ = 0) — no second copy of any weight, and optimizer state only for the added layers.
 * The reference log-probs are computed once up front (the base is frozen) and, with an output directory,
 * cached there under the base weights' fingerprint. Any dpo loss type, schedule, accumulation, checkpointing and resume.
 */
export function createClmTrainer(clm: ClmModel, options: ClmTrainerOptions): DpoTrainer {
  const { lossType } = resolveDpoConfig(options.config);
  // The cache key is only needed when the reference log-probs are cached on disk.
  const cached = options.outputDir !== undefined || options.referenceCacheDir !== undefined;
  return new DpoTrainer({
    ...options,
    model: clm.model,
    variables: clm.addedParameters(),
    reference: needsReference(lossType)
      ? { kind: 'function', logProbs: clmReferenceLogProbs(clm), precompute: true, cacheKey: cached ? `clm-reference:${modelFingerprint(clm.reference, { exact: true }).fingerprint}` : undefined }
      : { kind: 'none' },
  });
}

/** The training record kept in the adapter manifest (`training` field). */
export function clmTrainingRecord(options: ClmTrainerOptions, result: DpoTrainResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = resolveDpoConfig(options.config);
  return {
    method: 'clm-dpo',
    lossType: c.lossType,
    ...(c.lossWeights ? { lossWeights: c.lossWeights } : {}),
    beta: c.beta,
    learningRate: c.learningRate,
    lrSchedulerType: c.lrSchedulerType,
    warmupRatio: c.warmupRatio,
    warmupSteps: c.warmupSteps,
    weightDecay: c.weightDecay,
    batchSize: c.batchSize,
    gradientAccumulationSteps: c.gradientAccumulationSteps,
    epochs: c.epochs,
    maxGradNorm: c.maxGradNorm,
    seed: c.seed,
    steps: result.step,
    trainPairs: options.train.length,
    ...(result.eval ? { eval: result.eval } : {}),
    ...extra,
  };
}

/**
 * Trains the CLM's added layers with DPO (see {@link createClmTrainer}) and records the run in
 * `clm.origin.training`, so a following `saveAdapter` writes it into the manifest.
 */
export async function trainClm(
  clm: ClmModel,
  options: ClmTrainerOptions,
  trainOptions: DpoTrainOptions & { record?: Record<string, unknown> } = {},
): Promise<DpoTrainResult> {
  const trainer = createClmTrainer(clm, options);
  try {
    const result = await trainer.train(trainOptions);
    clm.origin.training = clmTrainingRecord(options, result, trainOptions.record);
    return result;
  } finally {
    trainer.dispose();
  }
}
