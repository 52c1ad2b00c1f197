import { existsSync, readFileSync } from 'node:fs';
import { BACKEND_NAMES } from '@aligndial/core';
import { FLAG_VOCABULARY, printResult, summaryLines } from '../flag-vocabulary.js';
import { join } from 'node:path';
import {
  COPIED_MODEL_FILES,
  type ClmModel,
  type DistillResult,
  type DistillSequence,
  type TeacherFn,
  applyAdapter,
  assertSameTokenizer,
  chosenSequences,
  clmTeacher,
  addedLayerParameters,
  deraTeacher,
  distill,
  distillClmLambda,
  exportMergedModel,
  frozenClmTeacher,
  meanTokenKl,
  readAdapterManifest,
  saveAdapter,
} from '@aligndial/clm';
import {
  AligndialError,
  type BackendName,
  type GradientCheckpointingMode,
  type MemoryPlan,
  type ModelConfig,
  type ResolvedMemoryPlan,
  type SequenceBatch,
  type Transformer,
  Tokenizer,
  countParameters,
  initBackend,
  modelHeapBytes,
  loadModel,
  loadModelConfig,
  resolveMemoryPlan,
  saveModel,
  writeFileAtomic,
} from '@aligndial/core';
import { listCheckpoints } from '@aligndial/core/internal';
import { type ChatTemplateMode, readPreferenceFile, splitTrainEval, tokenizePreferences } from '@aligndial/dpo';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli-error.js';
import { loadPretrained } from '../load-pretrained.js';
import { intOption, numberOption } from '../option-parsers.js';
import { createProgress } from '../progress.js';
import { frozenInEngine } from './preference-training.js';
import { GRADIENT_CHECKPOINTING_FLAG, trainingFlagOption } from './training-flags.js';

/** Options of `aligndial clm distill`. */
export interface ClmDistillOptions {
  model: string;
  adapter?: string;
  alignedModel?: string;
  lambda: number;
  into?: 'adapter' | 'model';
  data: string;
  out: string;
  maxSteps?: number;
  batchSize: number;
  lr: number;
  lrScheduler: 'linear' | 'cosine' | 'constant';
  warmupRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  seed: number;
  saveSteps: number;
  saveTotalLimit: number;
  resume?: boolean;
  maxSamples?: number;
  maxLength?: number;
  maxPromptLength?: number;
  chatTemplate: ChatTemplateMode;
  /** End completions with EOS (`--no-append-eos` turns it off). */
  appendEos?: boolean;
  evalRatio: number;
  /** Recompute each layer in the backward pass; `auto`: when the memory plan needs it (the KD loss's head chunks always are). */
  gradientCheckpointing: GradientCheckpointingMode;
  backend?: BackendName | 'auto';
}

/** What `aligndial clm distill` prints (one JSON line). */
export interface ClmDistillSummary {
  out: string;
  /** `clm`: the CLM (base + adapter) at λ; `dera`: two whole models mixed at λ. */
  teacher: 'clm' | 'dera';
  /** What was trained: the CLM layer(s) (an adapter) or every weight of a plain model. */
  into: 'adapter' | 'model';
  lambda: number;
  steps: number;
  trainSequences: number;
  /** KD loss (Eq. 8) of the first and last step run by this call. */
  firstLoss?: number;
  finalLoss?: number;
  /**
   * Mean per-token KL(result at λ = 1 ‖ teacher at λ), nats, over the completions of `klOn`
   * (the held-out split with --eval-ratio, else the training data): before and after.
   */
  klBefore: number;
  klAfter: number;
  klOn: 'eval' | 'train';
  klSequences: number;
  resumedFrom?: string;
  seconds: number;
  /** The memory plan made before the weights were read (bytes; `budget`: what this heap allows). */
  memoryPlan: MemoryPlan & { budget: number };
}

/** Sequences the KL report reads at most (a bounded cost after training). */
const KL_SEQUENCES = 64;

export function registerClmDistillCommand(clm: Command): void {
  clm
    .command('distill')
    .description(
      'Distil a fixed λ (paper Sec. 3, Eq. 8: KL to the λ-mixed teacher) of a CLM (--adapter) or a DeRa pair (--aligned-model) into the CLM layer or a plain model, so that the result at λ = 1 behaves as the teacher at λ.',
    )
    .requiredOption('--model <dir>', 'base model: the CLM\'s base, or DeRa\'s reference model (λ = 0)')
    .option('--adapter <dir>', 'teacher = this CLM adapter on --model, at --lambda')
    .option('--aligned-model <dir>', 'teacher = DeRa: this aligned model and --model mixed at --lambda (same tokenizer)')
    .requiredOption('--lambda <λ>', 'the λ to distil', numberOption())
    .addOption(new Option('--into <what>', 'adapter: train the CLM layer(s) (default with --adapter); model: train every weight of a plain model (the merged CLM, or DeRa\'s aligned model)').choices(['adapter', 'model']))
    .requiredOption('--data <file>', 'sequences to distil on: preference data (prompts with their chosen completions; TRL .jsonl, ShareGPT .json, UltraFeedback .parquet)')
    .requiredOption('--out <dir>', 'result: an adapter (--into adapter) or a model directory (--into model), with checkpoints')
    .option('--max-steps <n>', 'stop after this many optimizer steps (default: one pass over the data)', intOption(1))
    .option('--batch-size <n>', 'sequences per step', intOption(1, 100_000), 4)
    .option('--lr <lr>', 'peak learning rate (AdamW)', numberOption(0), 1e-4)
    .addOption(new Option('--lr-scheduler <type>', 'learning-rate schedule after warmup').choices(['linear', 'cosine', 'constant']).default('constant'))
    .option('--warmup-ratio <r>', 'linear warmup as a fraction of all steps', numberOption(0, 1), 0)
    .option('--weight-decay <wd>', 'AdamW decoupled weight decay (not on biases/norms)', numberOption(0), 0)
    .option('--max-grad-norm <n>', 'clip the global gradient norm (0 = off)', numberOption(0), 1)
    .option('--seed <s>', 'data-order seed', intOption(0, 2 ** 32 - 1), 0)
    .option('--save-steps <n>', 'checkpoint every N steps (0 = only at the end)', intOption(0), 0)
    .option('--save-total-limit <n>', 'keep only the newest N checkpoints (0 = all)', intOption(0), 2)
    .option('--resume', 'continue from the newest checkpoint in --out')
    .option('--max-samples <n>', 'use at most the first N samples (valid rows)', intOption(1))
    .option('--max-length <l>', 'longest sequence in tokens: prompt + completion (default min(1024, model max positions))', intOption(2))
    .option('--max-prompt-length <l>', 'prompt token budget under truncation (default max-length/2)', intOption(1))
    .addOption(new Option('--chat-template <mode>', 'auto: messages via the chat template, strings concatenated').choices(['auto', 'always', 'never']).default('auto'))
    .option('--no-append-eos', 'leave completions without EOS (default: append EOS to completions that have none)')
    .option('--eval-ratio <r>', 'hold out this fraction of the data to measure the final KL on', numberOption(0, 0.9), 0)
    .addOption(trainingFlagOption(GRADIENT_CHECKPOINTING_FLAG))
    .addOption(new Option('--backend <name>', FLAG_VOCABULARY['--backend']).choices(['auto', ...BACKEND_NAMES]))
    .option('--json', FLAG_VOCABULARY['--json'])
    .addHelpText(
      'after',
      [
        '',
        'The loss is Σ_t KL(π_student(·|x, y<t) ‖ softmax(λ·h_aligned + (1 − λ)·h_ref)) over completion',
        'tokens (Eq. 8). The JSON summary reports the mean per-token KL of the result at λ = 1 against the',
        'teacher at λ, before and after, so you can see how closely λ = 1 now reproduces the teacher.',
        '',
        'Examples:',
        '  aligndial clm distill --model ./sft --adapter ./clm --lambda 0.5 --data prefs.jsonl --out ./clm-0.5',
        '  aligndial clm distill --model ./sft --adapter ./clm --lambda 1.5 --into model --data prefs.jsonl --out ./merged-1.5',
        '  aligndial clm distill --model ./sft --aligned-model ./dpo --lambda 0.7 --data prefs.jsonl --out ./dera-0.7 --save-steps 100',
      ].join('\n'),
    )
    .action(async (options: ClmDistillOptions & { json?: boolean }) => {
      printResult(options.json, await runClmDistill(options), summaryLines);
    });
}

function checkFlags(options: ClmDistillOptions): { teacher: 'clm' | 'dera'; into: 'adapter' | 'model' } {
  if ((options.adapter === undefined) === (options.alignedModel === undefined)) {
    throw new UsageError('give exactly one teacher: --adapter DIR (a CLM) or --aligned-model DIR (DeRa with --model as the reference)');
  }
  const teacher = options.adapter ? 'clm' : 'dera';
  const into = options.into ?? (teacher === 'clm' ? 'adapter' : 'model');
  if (teacher === 'dera' && into === 'adapter') throw new UsageError('--into adapter needs a CLM teacher (--adapter DIR); a DeRa pair distils --into model');
  if (!options.resume && listCheckpoints(options.out).length > 0) {
    throw new AligndialError(`${options.out} already holds checkpoints of a run`, { hint: 'Pass --resume to continue it, or choose another --out.' });
  }
  return { teacher, into };
}

/** Reads, tokenizes and splits the distillation data (prompts with their chosen completions). */
async function readSequences(options: ClmDistillOptions, tokenizer: Tokenizer, maxLength: number): Promise<{ train: DistillSequence[]; held: DistillSequence[] }> {
  const data = await readPreferenceFile(options.data, { maxSamples: options.maxSamples });
  const { pairs } = tokenizePreferences(data.examples, tokenizer, { maxLength, maxPromptLength: options.maxPromptLength, chatTemplate: options.chatTemplate, appendEos: options.appendEos });
  const { train, eval: held } = splitTrainEval(chosenSequences(pairs), options.evalRatio, options.seed);
  if (train.length === 0) throw new AligndialError(`${options.data}: no sequences to distil on`);
  return { train, held };
}

/** Copies the tokenizer and generation files of a model directory into an output model directory. */
function copyModelFiles(fromDir: string, outDir: string): void {
  for (const name of COPIED_MODEL_FILES) {
    const source = join(fromDir, name);
    if (existsSync(source)) writeFileAtomic(join(outDir, name), readFileSync(source));
  }
}

/**
 * The memory plan of a distillation step, before any weight is read: the student as trained (the CLM's
 * added layers on the base, or every weight of a plain model) plus the other models the run holds in the
 * same heap (the teacher's base when it is not in the matmul engine, DeRa's aligned model). Prints its
 * line, decides `--gradient-checkpointing auto`, and refuses a step that cannot fit.
 */
function planDistillation(
  options: ClmDistillOptions,
  kind: { teacher: 'clm' | 'dera'; into: 'adapter' | 'model' },
  config: ModelConfig,
  /** Layers the CLM adapter adds (0 for DeRa). */
  added: number,
  train: readonly DistillSequence[],
  backend: string,
  stderr: NodeJS.WritableStream,
): ResolvedMemoryPlan {
  const trained = { ...config, numLayers: config.numLayers + added };
  // loadPretrained keeps the base's frozen matrices in the engine where it can (`--weights auto`); loadModel holds tfjs Variables.
  const baseInHeap = frozenInEngine(options.model, 'auto', config) ? 0 : modelHeapBytes(config);
  const rows = Math.min(options.batchSize, train.length);
  let length = 2;
  let completion = 0;
  for (const s of train) {
    length = Math.max(length, s.promptIds.length + s.completionIds.length);
    completion = Math.max(completion, s.completionIds.length);
  }
  const plan = resolveMemoryPlan(
    {
      config: trained,
      rows,
      length,
      scoredPositions: rows * completion,
      trainableParameters: kind.into === 'adapter' ? addedLayerParameters(config, added) : countParameters(trained),
      trainsEmbedding: kind.into === 'model',
      frozenInEngine: kind.into === 'adapter' && baseInHeap === 0,
      extraWeights: kind.into === 'adapter' ? 0 : kind.teacher === 'clm' ? baseInHeap : baseInHeap + modelHeapBytes(loadModelConfig(options.alignedModel!)),
      headLoss: 'kd',
    },
    options.gradientCheckpointing,
    backend,
    { rowsPerExample: 1, what: `distilling ${rows} sequence(s) × ${length} tokens per step` },
  );
  stderr.write(`${plan.line}\n`);
  return plan;
}

/** `aligndial clm distill`: plan the memory, load the teacher, build the student, distil with checkpoints, save, report the KL. */
export async function runClmDistill(options: ClmDistillOptions, stderr: NodeJS.WritableStream = process.stderr): Promise<ClmDistillSummary> {
  const started = performance.now();
  const kind = checkFlags(options);
  const { teacher: teacherKind, into } = kind;
  // Read first: a bad adapter fails before any weight is read, and the plan needs its layer count.
  const added = options.adapter ? readAdapterManifest(options.adapter).numAddedLayers : 0;
  // The memory plan comes before the weights: the config, the tokenizer and the data are enough.
  const backend = await initBackend(options.backend);
  const config = loadModelConfig(options.model);
  const maxLength = options.maxLength ?? Math.min(1024, config.maxPositionEmbeddings);
  const { train, held } = await readSequences(options, Tokenizer.fromDir(options.model), maxLength);
  const memory = planDistillation(options, kind, config, added, train, backend.name, stderr);
  const { model: base, tokenizer } = await loadPretrained(options.model, options.backend);
  const owned: Array<{ dispose(): void }> = [base];
  try {
    let teacher: TeacherFn;
    let teacherClm: ClmModel | undefined;
    let student: Transformer | undefined;
    let studentClm: ClmModel | undefined;
    if (teacherKind === 'clm') {
      teacherClm = applyAdapter(base, options.adapter!);
      owned[0] = teacherClm;
      teacher = clmTeacher(teacherClm, options.lambda);
      if (into === 'model') {
        // The student is the merged CLM (base + added layers, λ = 1 path) as a plain model.
        studentClm = applyAdapter(loadModel(options.model), options.adapter!);
        owned.push(studentClm);
        student = studentClm.model;
      }
    } else {
      const aligned = loadModel(options.alignedModel!);
      owned.push(aligned);
      assertSameTokenizer(Tokenizer.fromDir(options.alignedModel!), tokenizer, { aligned: options.alignedModel!, reference: options.model });
      teacher = deraTeacher(aligned, base, options.lambda);
      student = loadModel(options.alignedModel!); // starts from the aligned model
      owned.push(student);
    }
    const padTokenId = tokenizer.padTokenId ?? base.config.padTokenId ?? 0;
    const studentHeadInput =
      into === 'adapter'
        ? (batch: SequenceBatch) => teacherClm!.headInput(batch.inputIds, { lambda: 1, attentionMask: batch.attentionMask })
        : (batch: SequenceBatch) => student!.headInput(batch.inputIds, { attentionMask: batch.attentionMask });
    const klData = (held.length > 0 ? held : train).slice(0, KL_SEQUENCES);
    // Distilling into the CLM layer changes the weights the teacher reads; the KL report compares
    // against a frozen copy of the added layers instead (on the same base).
    let klTeacher = teacher;
    if (into === 'adapter') {
      const frozen = frozenClmTeacher(teacherClm!, options.lambda);
      owned.push(frozen);
      klTeacher = frozen;
    }
    const kl = () => meanTokenKl({ student: studentHeadInput, teacher: klTeacher, data: klData, batchSize: options.batchSize, padTokenId });
    const klBefore = kl();

    const progress = createProgress('distill', options.maxSteps ?? Math.ceil(train.length / options.batchSize), { loss: '-' });
    const common = {
      data: train,
      steps: options.maxSteps,
      batchSize: options.batchSize,
      learningRate: options.lr,
      lrSchedulerType: options.lrScheduler,
      warmupRatio: options.warmupRatio,
      weightDecay: options.weightDecay,
      maxGradNorm: options.maxGradNorm,
      seed: options.seed,
      gradientCheckpointing: memory.checkpointing,
      padTokenId,
      outputDir: options.out,
      saveSteps: options.saveSteps,
      saveTotalLimit: options.saveTotalLimit,
      resume: options.resume,
      onStep: (step: number, _total: number, loss: number) => progress.update(step, { loss: loss.toFixed(4) }),
    };
    let result: DistillResult;
    try {
      result =
        into === 'adapter'
          ? await distillClmLambda(teacherClm!, options.lambda, { ...common, runIdentity: { teacher: 'clm' } })
          : await distill({ ...common, student: student!, teacher, runIdentity: { lambda: options.lambda, teacher: teacherKind, into } });
    } finally {
      progress.stop();
    }
    const klAfter = kl();
    if (into === 'adapter') {
      saveAdapter(teacherClm!, options.out, { baseSource: options.model, training: teacherClm!.origin.training });
    } else if (studentClm) {
      exportMergedModel(studentClm, options.out, { modelDir: options.model });
    } else {
      saveModel(student!, options.out);
      copyModelFiles(options.alignedModel!, options.out);
    }
    return {
      out: options.out,
      teacher: teacherKind,
      into,
      lambda: options.lambda,
      steps: result.steps,
      trainSequences: train.length,
      ...(result.losses.length > 0 ? { firstLoss: result.losses[0], finalLoss: result.losses[result.losses.length - 1] } : {}),
      klBefore,
      klAfter,
      klOn: held.length > 0 ? 'eval' : 'train',
      klSequences: klData.length,
      ...(result.resumedFrom ? { resumedFrom: result.resumedFrom } : {}),
      seconds: Math.round((performance.now() - started) / 10) / 100,
      memoryPlan: { ...memory.plan, budget: memory.budget.bytes },
    };
  } finally {
    for (const o of owned.reverse()) o.dispose();
  }
}
