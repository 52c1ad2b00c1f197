import { type WeightsChoice, configureEngineThreads } from '@aligndial/core';

/*
 * The engine settings a loaded model takes, without commander: the library (model session, server) imports
 * these; the flags themselves are in engine-flags.ts.
 */

/** `--weights` / `--threads`: how a model-loading command holds frozen weights and how many threads multiply them. */
export interface EngineFlags {
  weights?: WeightsChoice;
  threads?: number;
}

/** Applies `--threads` (before the engine's first use: a measured default is then skipped). */
export function applyEngineFlags(flags: EngineFlags): void {
  if (flags.threads !== undefined) configureEngineThreads(flags.threads);
}
