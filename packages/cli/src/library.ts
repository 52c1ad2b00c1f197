// `@aligndial/cli/library`: the composition root as a library, for apps that embed aligndial without its
// command line. No commander, no progress bars: a model session (model + CLM adapter at λ + AlignEZ edits →
// one decoder) and the OpenAI-compatible server over it, with typed requests and responses.
// Experimental: the surface may still change between minor versions. This file only re-exports.
export { openModelSession, queryText } from './model-session.js';
export type { ModelSession, ModelSessionOptions, Steering, DecoderContext } from './model-session.js';
export { loadPretrained } from './load-pretrained.js';
export type { LoadedModel } from './load-pretrained.js';
export { startServer } from './serve/server.js';
export type { StartServerOptions, RunningServer } from './serve/server.js';
export { createServeApp } from './serve/app.js';
export type { ServeApp } from './serve/app.js';
export type { ServeAppOptions, ServeSession, SteeringSupport, RequestRecord } from './serve/types.js';
export type { ChatCompletionRequest, CompletionRequest, GenerationRequest } from './serve/schemas.js';
export type { ChatCompletion, ChatCompletionChunk, TextCompletion, Usage, AligndialInfo, FinishReason } from './serve/openai-format.js';
export { ApiError } from './serve/errors.js';
export type { OpenAIErrorBody, ApiErrorStatus } from './serve/errors.js';
