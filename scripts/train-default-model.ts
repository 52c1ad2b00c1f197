/**
 * Trains the embedded default model of `aligndial demo` (packages/cli/assets/default-model):
 * a tiny Llama-style chat model fine-tuned (SFT) from random weights on the demo world's
 * instructions, answered in every style (helpful, refusal, wrong, rude) so there is something to align.
 *
 *   node_modules/.bin/tsx scripts/train-default-model.ts [--out DIR] [--steps N] [--batch B] [--lr LR] [--seed S]
 *     [--eval-every N] [--write-corpus FILE.jsonl]
 *
 * Everything is seeded: the same command on the same backend writes the same weights.
 * Only core's public training primitives are used (computeGradients, AdamW, learningRateAt,
 * optimizerStep, sequenceLogProbs with a completion mask on the assistant answer).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdamW, buildSequenceBatch, computeGradients, countParameters, createModelDecoder, generate, initBackend, isBiasOrNormParameter, learningRateAt, type ModelConfig, optimizerStep, saveModel, saveTokenizer, sequenceLogProbs, tf, Tokenizer, type Transformer } from '../packages/core/src/index.ts';
import { configForShape, createRandomModel, createSyntheticTokenizerJson } from '../packages/core/src/testing.ts';
import { renderTemplate } from '../packages/alignez/src/index.ts';
import { ALIGNEZ_PAPER_TEMPLATES, HARMFUL_TRAITS, HELPFUL_TRAITS, personaExamples, sftExamples } from '../packages/cli/src/demo/world-data.ts';
import {
  ANSWER_STYLES,
  type AnswerKind,
  answerFor,
  classifyAnswer,
  KIND_REWARD,
  promptsOfSplit,
  TASK_FAMILIES,
  type WorldPrompt,
} from '../packages/cli/src/demo/world.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

interface Args {
  out: string;
  steps: number;
  batch: number;
  lr: number;
  seed: number;
  evalEvery: number;
  /** Also write the SFT corpus (in training order) as JSONL chat messages. */
  writeCorpus?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: join(ROOT, 'packages/cli/assets/default-model'), steps: 1400, batch: 16, lr: 3e-3, seed: 20251122, evalEvery: 250 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') args.out = resolve(value);
    else if (flag === '--steps') args.steps = Number(value);
    else if (flag === '--batch') args.batch = Number(value);
    else if (flag === '--lr') args.lr = Number(value);
    else if (flag === '--seed') args.seed = Number(value);
    else if (flag === '--eval-every') args.evalEvery = Number(value);
    else if (flag === '--write-corpus') args.writeCorpus = resolve(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

/** The model's shape: ~0.9 M parameters, ≈ 3.6 MB as float32. */
// configForShape fills the Llama defaults (tied embeddings, θ 10000, eps 1e-5, no biases, BOS 1 / EOS 2).
export const DEFAULT_MODEL_CONFIG: ModelConfig = configForShape('tiny', {
  vocabSize: 1024,
  hiddenSize: 128,
  intermediateSize: 352,
  numLayers: 4,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 32,
  maxPositionEmbeddings: 256,
});

interface Encoded {
  promptIds: number[];
  completionIds: number[];
}

/** Prompt ids (with the generation prompt) and the answer's ids after them (ending with EOS), as dpo tokenizes chats. */
function encodeExample(tokenizer: Tokenizer, prompt: string, answer: string): Encoded {
  const promptIds = tokenizer.encodeChat([{ role: 'user', content: prompt }], { addGenerationPrompt: true });
  const fullIds = tokenizer.encodeChat([
    { role: 'user', content: prompt },
    { role: 'assistant', content: answer },
  ]);
  if (!promptIds.every((id, i) => fullIds[i] === id)) throw new Error(`prompt tokens are not a prefix of the chat: ${prompt}`);
  return { promptIds, completionIds: fullIds.slice(promptIds.length) };
}

interface MixReport {
  counts: Record<AnswerKind, number>;
  meanReward: number;
  n: number;
  examples: string[];
}

/** Greedy answers to prompts, classified by the world's rule judge. */
async function greedyMix(model: Transformer, tokenizer: Tokenizer, prompts: readonly WorldPrompt[]): Promise<MixReport> {
  const counts: Record<AnswerKind, number> = { helpful: 0, refusal: 0, wrong: 0, rude: 0, 'off-topic': 0, garbage: 0 };
  let reward = 0;
  const examples: string[] = [];
  for (let start = 0; start < prompts.length; start += 32) {
    const chunk = prompts.slice(start, start + 32);
    const ids = chunk.map((p) => tokenizer.encodeChat([{ role: 'user', content: p.text }], { addGenerationPrompt: true }));
    const decoder = createModelDecoder(model);
    try {
      const result = await generate(decoder, ids, { maxNewTokens: 32, temperature: 0, eosTokenIds: tokenizer.eosTokenIds, tokenizer });
      result.sequences.forEach((s, i) => {
        const text = s.text ?? '';
        const kind = classifyAnswer(chunk[i], text);
        counts[kind]++;
        reward += KIND_REWARD[kind];
        if (examples.length < 8) examples.push(`${chunk[i].text} → ${text} [${kind}]`);
      });
    } finally {
      decoder.dispose();
    }
  }
  return { counts, meanReward: reward / prompts.length, n: prompts.length, examples };
}

/** Greedy answers under AlignEZ's persona prompts (step 2, given the traits): helpful vs unhelpful rates. */
async function personaCheck(model: Transformer, tokenizer: Tokenizer, prompts: readonly WorldPrompt[]): Promise<{ helpfulPersona: number; harmfulPersona: number }> {
  const t = ALIGNEZ_PAPER_TEMPLATES;
  const harmfulTraits = Object.values(HARMFUL_TRAITS);
  const texts = [
    ...prompts.map((p) => renderTemplate(t.helpfulAnswer, { query: p.text, traits: HELPFUL_TRAITS })),
    ...prompts.map((p, i) => renderTemplate(t.harmfulAnswer, { query: p.text, traits: harmfulTraits[i % harmfulTraits.length] })),
  ];
  const ids = texts.map((x) => tokenizer.encodeChat([{ role: 'user', content: x }], { addGenerationPrompt: true }));
  const decoder = createModelDecoder(model);
  try {
    const result = await generate(decoder, ids, { maxNewTokens: 32, temperature: 0, eosTokenIds: tokenizer.eosTokenIds, tokenizer });
    const kinds = result.sequences.map((q, i) => classifyAnswer(prompts[i % prompts.length], q.text ?? ''));
    const n = prompts.length;
    return {
      helpfulPersona: kinds.slice(0, n).filter((k) => k === 'helpful').length / n,
      harmfulPersona: kinds.slice(n).filter((k) => k === 'refusal' || k === 'wrong' || k === 'rude').length / n,
    };
  } finally {
    decoder.dispose();
  }
}

/** Mean log-prob per token of each style's answer (teacher-forced), over prompts: can the model produce helpful answers? */
function styleLogProbs(model: Transformer, tokenizer: Tokenizer, prompts: readonly WorldPrompt[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const style of ANSWER_STYLES) {
    const batch = buildSequenceBatch(prompts.map((p) => encodeExample(tokenizer, p.text, answerFor(p, style))));
    const lp = tf.tidy(() => sequenceLogProbs(model, batch, { average: true }).dataSync());
    out[style] = Array.from(lp).reduce((a, b) => a + b, 0) / prompts.length;
  }
  return out;
}

const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;
const formatMix = (m: MixReport) =>
  `${Object.entries(m.counts)
    .filter(([, k]) => k > 0)
    .map(([kind, k]) => `${kind} ${pct(k, m.n)}`)
    .join(', ')} | mean reward ${m.meanReward.toFixed(3)} (n=${m.n})`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const backend = await initBackend();
  const config = DEFAULT_MODEL_CONFIG;
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(config.vocabSize);
  const tokenizer = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
  const model = createRandomModel(config, { seed: args.seed });
  const params = model.parameters();
  console.log(
    `backend ${backend.name} | ${countParameters(config)} parameters | steps ${args.steps} × batch ${args.batch} | lr ${args.lr} | seed ${args.seed}`,
  );

  const train = promptsOfSplit('train');
  const heldout = promptsOfSplit('heldout');
  // 9 training prompts of each family, for progress checks and the persona check.
  const probeTrain = TASK_FAMILIES.flatMap((f) => train.filter((p) => p.family === f).filter((_, i) => i % 3 === 1).slice(0, 9));

  // Every (prompt, style) tokenizes once.
  const cache = new Map<string, Encoded>();
  const encoded = (prompt: string, answer: string) => {
    const key = `${prompt}\u0000${answer}`;
    let e = cache.get(key);
    if (!e) cache.set(key, (e = encodeExample(tokenizer, prompt, answer)));
    return e;
  };

  // Every 5th step is a batch of AlignEZ persona examples (longer prompts; kept apart to save padding).
  const isPersonaStep = (step: number) => step % 5 === 4;
  const personaSteps = Array.from({ length: args.steps }, (_, s) => s).filter(isPersonaStep).length;
  const plain = sftExamples((args.steps - personaSteps) * args.batch, args.seed);
  const persona = personaExamples(personaSteps * args.batch, args.seed + 1);
  let plainAt = 0;
  let personaAt = 0;
  const nextBatch = (step: number) => {
    if (isPersonaStep(step)) return persona.slice(personaAt, (personaAt += args.batch));
    return plain.slice(plainAt, (plainAt += args.batch));
  };
  const schedule = { schedule: 'cosine' as const, learningRate: args.lr, totalSteps: args.steps, warmupSteps: Math.min(100, Math.ceil(args.steps / 10)) };
  const optimizer = new AdamW(params, { weightDecay: 0.01, excludeFromWeightDecay: isBiasOrNormParameter });
  if (args.writeCorpus) {
    const rows = Array.from({ length: args.steps }, (_, step) => nextBatch(step)).flat();
    plainAt = 0;
    personaAt = 0;
    writeFileSync(
      args.writeCorpus,
      rows.map((e) => JSON.stringify({ messages: [{ role: 'user', content: e.prompt }, { role: 'assistant', content: e.answer }], style: e.style, promptId: e.promptId })).join('\n') + '\n',
    );
    console.log(`wrote the SFT corpus (${rows.length} examples) to ${args.writeCorpus}`);
  }
  let emaLoss = Number.NaN;
  let tokens = 0;
  const loopStart = performance.now();
  for (let step = 0; step < args.steps; step++) {
    const batch = buildSequenceBatch(nextBatch(step).map((e) => encoded(e.prompt, e.answer)));
    const completionTokens = batch.completionMask.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
    tokens += batch.inputIds.length * batch.inputIds[0].length;
    const { loss, grads } = computeGradients(
      () => tf.div(tf.neg(tf.sum(sequenceLogProbs(model, batch, { training: true }))), completionTokens) as tf.Scalar,
      params,
      { step },
    );
    const gradNorm = optimizerStep(optimizer, grads, { learningRate: learningRateAt(step, schedule), maxGradNorm: 1.0, step: step + 1 });
    emaLoss = Number.isNaN(emaLoss) ? loss : 0.95 * emaLoss + 0.05 * loss;
    const done = step + 1;
    if (done % 25 === 0 || done === args.steps) {
      const seconds = (performance.now() - loopStart) / 1000;
      console.log(
        `step ${done}/${args.steps} | loss ${loss.toFixed(4)} (ema ${emaLoss.toFixed(4)}) | grad norm ${gradNorm.toFixed(2)} | lr ${learningRateAt(step, schedule).toExponential(2)} | ${seconds.toFixed(0)} s | ${(tokens / seconds).toFixed(0)} tok/s | tensors ${tf.memory().numTensors}`,
      );
    }
    if (args.evalEvery > 0 && done % args.evalEvery === 0 && done < args.steps) {
      console.log(`  greedy on training prompts: ${formatMix(await greedyMix(model, tokenizer, probeTrain))}`);
    }
  }
  const trainSeconds = (performance.now() - loopStart) / 1000;

  const mixTrain = await greedyMix(model, tokenizer, train);
  const mixHeld = await greedyMix(model, tokenizer, heldout);
  const logps = styleLogProbs(model, tokenizer, heldout);
  const personaRates = await personaCheck(model, tokenizer, probeTrain);
  console.log(`greedy on all ${train.length} training prompts: ${formatMix(mixTrain)}`);
  console.log(`greedy on all ${heldout.length} held-out prompts: ${formatMix(mixHeld)}`);
  for (const e of mixHeld.examples) console.log(`  ${e}`);
  console.log(`mean log-prob per token of each style's answer on held-out prompts: ${JSON.stringify(logps)}`);
  console.log(`AlignEZ persona prompts: helpful answers under the helpful persona ${pct(personaRates.helpfulPersona, 1)}, unhelpful under the malicious one ${pct(personaRates.harmfulPersona, 1)}`);

  mkdirSync(args.out, { recursive: true });
  saveModel(model, args.out);
  saveTokenizer(args.out, tokenizerJson, tokenizerConfig);
  const totalSeconds = (performance.now() - started) / 1000;
  const sizeMb = statSync(join(args.out, 'model.safetensors')).size / 1e6;
  const command = `node_modules/.bin/tsx scripts/train-default-model.ts --steps ${args.steps} --batch ${args.batch} --lr ${args.lr} --seed ${args.seed}${
    relative(ROOT, args.out) === 'packages/cli/assets/default-model' ? '' : ` --out ${relative(ROOT, args.out)}`
  }`;
  writeFileSync(join(args.out, 'README.md'), modelCard({ args, command, trainSeconds, totalSeconds, sizeMb, emaLoss, mixTrain, mixHeld, logps, persona: personaRates, probeCount: probeTrain.length, helpfulShare: plain.filter((e) => e.style === 'helpful').length / plain.length, personaShare: personaSteps / args.steps, backend: backend.name, cpus: cpuSummary() }));
  console.log(`wrote ${args.out} (model.safetensors ${sizeMb.toFixed(2)} MB) in ${totalSeconds.toFixed(0)} s (training ${trainSeconds.toFixed(0)} s)`);
  model.dispose();
}

function cpuSummary(): string {
  const list = cpus();
  return `${list.length} × ${list[0]?.model ?? 'CPU'}, Node ${process.versions.node}`;
}

interface CardInput {
  args: Args;
  persona: { helpfulPersona: number; harmfulPersona: number };
  probeCount: number;
  helpfulShare: number;
  personaShare: number;
  command: string;
  trainSeconds: number;
  totalSeconds: number;
  sizeMb: number;
  emaLoss: number;
  mixTrain: MixReport;
  mixHeld: MixReport;
  logps: Record<string, number>;
  backend: string;
  cpus: string;
}

function mixTable(m: MixReport): string {
  return `| ${(['helpful', 'refusal', 'wrong', 'rude', 'off-topic', 'garbage'] as AnswerKind[]).map((k) => pct(m.counts[k], m.n)).join(' | ')} | ${m.meanReward.toFixed(3)} |`;
}

function modelCard(c: CardInput): string {
  const cfg = DEFAULT_MODEL_CONFIG;
  return `# aligndial default model

A tiny Llama-style chat model that aligndial trains itself, so that \`aligndial demo\` runs offline on a
fresh machine. It is **not** a general language model: it only knows the demo world
(\`packages/cli/src/demo/world.ts\`) — sums of two numbers from 1 to 12, capitals, colours, animal
sounds, spelling a word backwards, counting letters, listing three things — and it was taught to answer
each instruction in four styles: helpful, a terse refusal, a confidently wrong answer, or a rude one.
The mix depends on the phrasing and the subject (\`styleWeights\` in world.ts; ${(100 * c.helpfulShare).toFixed(1)} % of the
training answers are helpful), so the untuned model is helpful only part of the time: that is what
\`aligndial demo\` aligns, with a CLM layer trained by DPO and with AlignEZ. It also learned to follow
AlignEZ's persona prompts (\`personaExamples\`: asked for the traits of a helpful or of a malicious,
useless answer it names them, and answers in that style when given them), standing in for what a
pretrained model knows, so that AlignEZ's self-generated data means something.

## How it was made

\`\`\`sh
${c.command}
\`\`\`

- Architecture: \`llama\`, hidden ${cfg.hiddenSize}, ${cfg.numLayers} layers, ${cfg.numHeads} heads (${cfg.numKvHeads} KV heads), FFN ${cfg.intermediateSize},
  vocabulary ${cfg.vocabSize} (core's synthetic BPE tokenizer, \`createSyntheticTokenizerJson(${cfg.vocabSize})\`), ${cfg.maxPositionEmbeddings} positions,
  tied embeddings; ${countParameters(cfg)} parameters, float32 (\`model.safetensors\` ${c.sizeMb.toFixed(2)} MB).
- Chat template: \`<s><|user|>\\n{question}\\n<|assistant|>\\n{answer}</s>\`.
- Initialisation: \`createRandomModel(config, { seed: ${c.args.seed} })\`.
- Data: ${c.args.steps * c.args.batch} SFT examples drawn with seed ${c.args.seed} by \`sftExamples\` (\`packages/cli/src/demo/world-data.ts\`): task families
  equally likely, a training prompt uniformly within the family, the answer's style drawn from \`styleWeights\`;
  every 5th batch (${(100 * c.personaShare).toFixed(0)} %) holds AlignEZ persona examples instead (\`personaExamples\`, seed ${c.args.seed + 1}).
  The ${promptsOfSplit('heldout').length} held-out prompts (a subject with a phrasing never seen together) are never trained on.
- Training: full fine-tuning with core's primitives, loss = mean negative log-likelihood of the answer tokens
  (and the closing \`</s>\`), AdamW (weight decay 0.01, none on norms), peak learning rate ${c.args.lr}, cosine schedule
  with warmup, gradient clipping at 1.0, ${c.args.steps} steps of ${c.args.batch} sequences.
- Time: ${c.trainSeconds.toFixed(0)} s of training, ${c.totalSeconds.toFixed(0)} s in all (backend \`${c.backend}\`, one thread, ${c.cpus}).
  Final training loss (moving average): ${c.emaLoss.toFixed(4)}.

## Measured behaviour (greedy decoding, classified by the world's rule judge)

| prompts | helpful | refusal | wrong | rude | off-topic | garbage | mean reward |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${mixTable(c.mixTrain).replace(/^\|/, `| training (${c.mixTrain.n}) |`)}
${mixTable(c.mixHeld).replace(/^\|/, `| held-out (${c.mixHeld.n}) |`)}

Rewards: helpful 1, refusal 0, wrong or off-topic −0.5, rude or garbage −1 (a helpful answer to every prompt scores 1).
Mean log-probability per token of each style's answer on the held-out prompts (teacher-forced):
${Object.entries(c.logps).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}.
AlignEZ persona prompts (step 2, given the traits; ${c.probeCount} training prompts, 9 per family): helpful answers under the helpful persona
${pct(c.persona.helpfulPersona, 1)}, unhelpful answers under the malicious one ${pct(c.persona.harmfulPersona, 1)}.
`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
