/**
 * aligndial's side of the PyTorch comparison (`torch-dpo-step.py` is the other): DPO steps of a
 * model directory on synthetic pairs, as CLM (one identity layer before layer 0, only it trains,
 * reference = λ = 0) or full DPO. Writes the pairs it used (`--pairs-out`), so the PyTorch script
 * trains on exactly the same batch, and prints one JSON line: each step's loss and time, the first
 * step's mean log-probs, the process's peak RSS.
 *
 * Run from the repository root (sources, no build needed):
 *   TSX_TSCONFIG_PATH=tsconfig.source.json node --import tsx packages/cli/bench/dpo-step.ts \
 *     --model S135 --mode clm --batch-size 2 --prompt-length 256 --completion-length 256 --steps 3 --pairs-out /tmp/pairs.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { engineInfo, initBackend, loadModel } from '@aligndial/core';
import { createClmTrainer, expandModel } from '@aligndial/clm';
import { DpoTrainer, createSyntheticPreferencePairs } from '@aligndial/dpo';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    mode: { type: 'string', default: 'clm' },
    'batch-size': { type: 'string', default: '2' },
    'prompt-length': { type: 'string', default: '256' },
    'completion-length': { type: 'string', default: '256' },
    steps: { type: 'string', default: '3' },
    'gradient-checkpointing': { type: 'string', default: 'on' },
    // As the CLI's --weights: auto keeps a bf16 checkpoint's frozen matrices bf16 in the engine; tfjs = all tfjs Variables.
    weights: { type: 'string', default: 'auto' },
    'pairs-out': { type: 'string' },
  },
});
if (!values.model || !['clm', 'all'].includes(values.mode!)) {
  process.stderr.write('usage: dpo-step.ts --model DIR [--mode clm|all] [--batch-size 2] [--prompt-length 256] [--completion-length 256] [--steps 3] [--weights auto|f32|bf16|int8|tfjs] [--pairs-out FILE]\n');
  process.exit(2);
}
const batchSize = Number(values['batch-size']);
const steps = Number(values.steps);
const backend = await initBackend();
const model = loadModel(values.model, values.weights === 'tfjs' ? {} : { weights: values.weights as 'auto' | 'f32' | 'bf16' | 'int8' });
const pairs = createSyntheticPreferencePairs({
  count: batchSize * steps,
  vocabSize: model.config.vocabSize,
  seed: 1,
  promptLength: Number(values['prompt-length']) - 1,
  completionLength: Number(values['completion-length']),
  bosTokenId: model.config.bosTokenId ?? 1,
});
if (values['pairs-out']) writeFileSync(values['pairs-out'], JSON.stringify(pairs));
// Constant learning rate, no warmup: both sides take the same first AdamW update, so step 2's loss checks the gradients too.
const config = {
  batchSize,
  maxSteps: steps,
  learningRate: 1e-5,
  lrSchedulerType: 'constant' as const,
  warmupRatio: 0,
  shuffle: false,
  gradientCheckpointing: values['gradient-checkpointing'] === 'on',
};
const stepMs: number[] = [];
const losses: number[] = [];
const logps: { chosen: number; rejected: number }[] = [];
let last = 0;
const onStep = (record: Record<string, number>) => {
  const now = performance.now();
  stepMs.push(now - last);
  losses.push(record.loss);
  logps.push({ chosen: record['logps/chosen'], rejected: record['logps/rejected'] });
  last = now;
};
const clm = values.mode === 'clm' ? expandModel(model, { layers: 1 }) : undefined;
const trainer = clm ? createClmTrainer(clm, { train: pairs, config, onStep }) : new DpoTrainer({ model, train: pairs, config: { ...config, trainable: 'all' }, onStep });
const r0 = performance.now();
trainer.prepareReference();
const referenceMs = performance.now() - r0;
last = performance.now();
await trainer.train();
trainer.dispose();
process.stdout.write(
  `${JSON.stringify({ implementation: `aligndial (${backend.name})`, mode: values.mode, weights: model.weightStorage ?? 'tfjs', engineThreads: engineInfo()?.threads, gradientCheckpointing: config.gradientCheckpointing, referenceMs, stepMs, losses, logps, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
