import { type WeightsChoice, configureEngineThreads } from '@aligndial/core';

/**
 * `--weights` / `--threads`: how a model load holds frozen weights and how many threads multiply them.
 * Kept free of commander so the library entry (`@aligndial/cli/library`) can load models without the CLI.
 */
export interface EngineFlags {
  weights?: WeightsChoice;
  threads?: number;
}

/** Applies `threads` (before the engine's first use: a measured default is then skipped). */
export function applyEngineFlags(flags: EngineFlags): void {
  if (flags.threads !== undefined) configureEngineThreads(flags.threads);
}
