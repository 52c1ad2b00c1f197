import { join } from 'node:path';
import { EvalInputError } from '../errors.js';
import { asObject, stringField } from '../io/fields.js';
import { readJsonl } from '../io/jsonl.js';
import { ALPACA_EVAL_TEMPLATE } from './alpaca-eval-template.js';
import { ARENA_HARD_TEMPLATE } from './arena-hard-template.js';
import { ALIGNEZ_TEMPLATE, type GradeTemplate, type JudgeTemplate, type PairTemplate } from './templates.js';

/**
 * Pairwise templates built in, by the names users type: AlignEZ A.4.2 and the two benchmark
 * protocols (under their short and their published names).
 */
export const BUILTIN_PAIR_TEMPLATES: Readonly<Record<string, PairTemplate>> = {
  alignez: ALIGNEZ_TEMPLATE,
  'arena-hard': ARENA_HARD_TEMPLATE,
  [ARENA_HARD_TEMPLATE.name]: ARENA_HARD_TEMPLATE,
  'alpaca-eval': ALPACA_EVAL_TEMPLATE,
  [ALPACA_EVAL_TEMPLATE.name]: ALPACA_EVAL_TEMPLATE,
};

/**
 * Loads FastChat's judge prompts (`DATA/mt_bench/judge_prompts.jsonl`: `pair-v2`,
 * `pair-v2-multi-turn`, `pair-math-v1`, `pair-math-v1-multi-turn`, `single-v1`, `single-math-v1`,
 * `single-v1-multi-turn`, `single-math-v1-multi-turn`), keyed by name.
 */
export function loadJudgePrompts(dataDir: string): Map<string, JudgeTemplate> {
  const file = join(dataDir, 'mt_bench', 'judge_prompts.jsonl');
  const out = new Map<string, JudgeTemplate>();
  for (const { value, line } of readJsonl(file)) {
    const at = { file, line };
    const obj = asObject(value, at);
    const name = stringField(obj, 'name', at);
    const system = stringField(obj, 'system_prompt', at);
    const prompt = stringField(obj, 'prompt_template', at);
    const type = stringField(obj, 'type', at);
    const outputFormat = stringField(obj, 'output_format', at);
    if (type === 'single' && outputFormat === '[[rating]]') {
      out.set(name, { kind: 'grade', name, system, prompt });
    } else if (type === 'pairwise' && outputFormat === '[[A]]') {
      out.set(name, { kind: 'pair', name, system, prompt, format: 'ab' });
    } else {
      throw new EvalInputError(`unsupported judge prompt type "${type}" with output format "${outputFormat}"`, at);
    }
  }
  return out;
}

/**
 * Resolves a pairwise template by name: a built-in one (`alignez`, the default; `arena-hard`;
 * `alpaca-eval`) or a FastChat pairwise prompt from `judge_prompts.jsonl` in `dataDir`.
 */
export function resolvePairTemplate(name: string, dataDir?: string): PairTemplate {
  const builtin = BUILTIN_PAIR_TEMPLATES[name];
  if (builtin) return builtin;
  if (dataDir === undefined) {
    throw new EvalInputError(`judge template "${name}" is not built in; give the data folder to load it from judge_prompts.jsonl`);
  }
  const template = loadJudgePrompts(dataDir).get(name);
  if (template?.kind !== 'pair') {
    const names = [...loadJudgePrompts(dataDir).values()].filter((t) => t.kind === 'pair').map((t) => t.name);
    throw new EvalInputError(`unknown pairwise judge template "${name}" (known: alignez, arena-hard, alpaca-eval, ${names.join(', ')})`);
  }
  return template;
}

/** Looks up a grading template by name in a {@link loadJudgePrompts} map. */
export function requireGradeTemplate(templates: Map<string, JudgeTemplate>, name: string): GradeTemplate {
  const template = templates.get(name);
  if (template?.kind !== 'grade') throw new EvalInputError(`judge_prompts.jsonl has no single-grading prompt "${name}"`);
  return template;
}
