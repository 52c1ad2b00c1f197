import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrainerState, type TrainerState } from './trainer-state.js';

/** File names inside a `checkpoint-{step}/` directory. */
export const TRAINABLE_FILE = 'trainable.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TRAINER_STATE_FILE = 'trainer_state.json';

const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;

/** `checkpoint-{step}` (HF Trainer's directory name). */
export function checkpointDirName(step: number): string {
  return `checkpoint-${step}`;
}

/**
 * Reads a checkpoint's trainer state if the checkpoint is complete: `trainer_state.json` parses and every
 * file it lists exists with the listed size. Undefined otherwise (never throws).
 */
export function readCompleteCheckpoint(path: string): TrainerState | undefined {
  try {
    const file = join(path, TRAINER_STATE_FILE);
    if (!existsSync(file) || !statSync(file).isFile()) return undefined; // a FIFO would block the read
    const state = parseTrainerState(JSON.parse(readFileSync(file, 'utf8')), file);
    for (const { name, bytes } of state.files) {
      const entry = join(path, name);
      if (!existsSync(entry) || statSync(entry).size !== bytes) return undefined;
    }
    return state;
  } catch {
    return undefined;
  }
}

/** A complete checkpoint found in a run directory. */
export interface CheckpointEntry {
  step: number;
  path: string;
}

/**
 * The complete `checkpoint-{step}` directories in `dir`, oldest step first; temporary directories of
 * a save in progress (or interrupted) are ignored. An absent `dir` has none.
 */
export function listCheckpoints(dir: string): CheckpointEntry[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const found: CheckpointEntry[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const match = CHECKPOINT_DIR.exec(entry.name);
    if (!match || !entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (readCompleteCheckpoint(path)) found.push({ step: Number(match[1]), path });
  }
  return found.sort((a, b) => a.step - b.step);
}

/** The path of the newest complete checkpoint in `dir` (highest step, as HF's `get_last_checkpoint`), if any. */
export function latestCheckpoint(dir: string): string | undefined {
  return listCheckpoints(dir).at(-1)?.path;
}
