export { generate, leftPad } from './generate.js';
export type { GenerateOptions, GenerateResult, GeneratedSequence, FinishReason, TokenEvent, TokenDecoder } from './generate.js';
export { createModelDecoder } from './step-decoder.js';
export type { StepDecoder, ModelDecoderOptions } from './step-decoder.js';
export { sampleToken, argmax, applyRepetitionPenalty, validateSamplingOptions } from './sampling.js';
export type { SamplingOptions } from './sampling.js';
export { tokenLogProbs, sequenceLogProbs, buildSequenceBatch, headChunkPositions } from './logprobs.js';
export type { SequenceBatch, SequenceLogProbOptions } from './logprobs.js';
