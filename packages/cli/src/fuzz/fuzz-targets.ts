import type { Rng } from '@aligndial/core';
import { type Mutation, mutateJsonFile, mutatePreferenceFile, mutateSafetensors } from './mutators.js';
import { SEED } from './fuzz-seeds.js';

/** What the fuzzer attacks: which seed, which file in it, how it is mutated, and how the worker loads it. */
export interface FuzzTarget {
  name: string;
  /** Seed directory or file under the seed root. */
  seed: string;
  /** The mutated file, relative to the case copy of the seed ('' when the seed is the file itself). */
  file: string;
  /** How the worker loads the case (see fuzz-worker.ts). */
  loader: 'model' | 'adapter' | 'edits' | 'preferences';
  mutate(bytes: Uint8Array, rng: Rng): Mutation;
}

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  { name: 'model.safetensors', seed: SEED.model, file: 'model.safetensors', loader: 'model', mutate: mutateSafetensors },
  { name: 'config.json', seed: SEED.model, file: 'config.json', loader: 'model', mutate: mutateJsonFile },
  { name: 'generation_config.json', seed: SEED.model, file: 'generation_config.json', loader: 'model', mutate: mutateJsonFile },
  { name: 'adapter.safetensors', seed: SEED.adapter, file: 'adapter.safetensors', loader: 'adapter', mutate: mutateSafetensors },
  { name: 'adapter.json', seed: SEED.adapter, file: 'adapter.json', loader: 'adapter', mutate: mutateJsonFile },
  { name: 'edits.safetensors (knn)', seed: SEED.editsKnn, file: 'edits.safetensors', loader: 'edits', mutate: mutateSafetensors },
  { name: 'edits.json (knn)', seed: SEED.editsKnn, file: 'edits.json', loader: 'edits', mutate: mutateJsonFile },
  { name: 'edits.json (caa)', seed: SEED.editsCaa, file: 'edits.json', loader: 'edits', mutate: mutateJsonFile },
  { name: 'preferences .jsonl', seed: SEED.prefsJsonl, file: '', loader: 'preferences', mutate: (b, r) => mutatePreferenceFile(b, r, true) },
  { name: 'preferences .json', seed: SEED.prefsJson, file: '', loader: 'preferences', mutate: (b, r) => mutatePreferenceFile(b, r, false) },
];
