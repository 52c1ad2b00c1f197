import type { Command } from 'commander';
import { registerClmDistillCommand } from './clm-distill.js';
import { registerClmExpandCommand } from './clm-expand.js';
import { registerClmExportCommand } from './clm-export.js';
import { registerClmTrainCommand } from './clm-train.js';

/** `aligndial clm …`: alignment-controllable models (expand → train → generate --adapter --lambda, export). */
export function registerClmCommand(program: Command): void {
  const clm = program
    .command('clm')
    .description('CLM: add identity layer(s) before layer 0, train only them with DPO, then dial λ at inference (`generate --adapter DIR --lambda L`).');
  registerClmExpandCommand(clm);
  registerClmTrainCommand(clm);
  registerClmExportCommand(clm);
  registerClmDistillCommand(clm);
}
