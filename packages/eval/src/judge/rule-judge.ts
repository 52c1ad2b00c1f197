import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JudgeConfigError } from '../errors.js';
import type { Judge, PairInput, PairResult } from './judge.js';
import type { ArenaHardLabel, PositionVerdict } from './parse-verdict.js';
import type { PairFormat } from './templates.js';

/** What a rule judge sees: texts in presentation order (turns joined by blank lines). */
export interface RuleJudgeInput {
  question: string;
  first: string;
  second: string;
  reference?: string;
}

/**
 * A rule's verdict: a bare position verdict, or one with an explanation kept as `raw`. Under the
 * protocol templates a rule may also say how strongly (`label`, Arena-Hard) or give a soft
 * `preference` for position 1 (AlpacaEval); otherwise a win is `A>B`/`B>A` and preference 1/0/½.
 */
export type RuleVerdict =
  | PositionVerdict
  | { verdict: PositionVerdict; raw?: string; label?: ArenaHardLabel; preference?: number };

const DEFAULT_LABEL: Readonly<Record<PositionVerdict, ArenaHardLabel>> = { first: 'A>B', second: 'B>A', tie: 'A=B' };
const DEFAULT_PREFERENCE: Readonly<Record<PositionVerdict, number>> = { first: 1, second: 0, tie: 0.5 };

/** The protocol fields a rule verdict carries under a template of the given format. */
function protocolFields(format: PairFormat, verdict: PositionVerdict, out: RuleVerdict): Pick<PairResult, 'label' | 'preference'> {
  const given = typeof out === 'object' ? out : undefined;
  if (format === 'arena-hard') return { label: given?.label ?? DEFAULT_LABEL[verdict] };
  if (format === 'alpaca-eval') {
    const p = given?.preference;
    return { preference: typeof p === 'number' && p >= 0 && p <= 1 ? p : DEFAULT_PREFERENCE[verdict] };
  }
  return {};
}

/**
 * A judge written as a plain function of the texts, for offline use and tests. A module used
 * as `rule:./my-judge.js` exports one as `default` or `judge`.
 */
export type RuleJudgeFn = (input: RuleJudgeInput) => RuleVerdict | Promise<RuleVerdict>;

/** `rule:length`: the longer answer (in code points) wins; equal lengths tie. */
export const lengthRule: RuleJudgeFn = ({ first, second }) => {
  const a = [...first].length;
  const b = [...second].length;
  return { verdict: a > b ? 'first' : a < b ? 'second' : 'tie', raw: `lengths ${a} vs ${b}` };
};

/** Rules that ship with eval, available as `rule:NAME` everywhere. */
export const BUILTIN_RULES: Readonly<Record<string, RuleJudgeFn>> = { length: lengthRule };

// Built-ins plus what applications registered (e.g. the CLI's demo registers `rule:world`).
const rules = new Map<string, RuleJudgeFn>(Object.entries(BUILTIN_RULES));

/**
 * Makes `rule:NAME` select `rule` in judge specs (e.g. an application's domain rule). Registering the
 * same function again is a no-op; a different function under a taken name is an error, so two
 * modules cannot silently replace each other's judge.
 * @param name - Letters, digits, `-` and `_` (a spec with `/` or a file ending is a module path instead).
 * @experimental The registry is process-wide; its shape may change.
 */
export function registerRule(name: string, rule: RuleJudgeFn): void {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new JudgeConfigError(`rule judge name "${name}" must be letters, digits, "-" or "_"`);
  if (typeof rule !== 'function') throw new JudgeConfigError(`rule judge "${name}" must be a function`);
  const existing = rules.get(name);
  if (existing && existing !== rule) throw new JudgeConfigError(`rule judge "${name}" is already registered`);
  rules.set(name, rule);
}

/** The rule registered as `rule:NAME` (built in or via {@link registerRule}), if any. */
export function findRule(name: string): RuleJudgeFn | undefined {
  return rules.get(name);
}

/** Names usable as `rule:NAME`, built-ins first. */
export function ruleNames(): string[] {
  return [...rules.keys()];
}

const VERDICTS = new Set<unknown>(['first', 'second', 'tie']);

/** Wraps a rule function as a {@link Judge}; a throwing or invalid rule lands in the error bucket. */
export function createRuleJudge(id: string, rule: RuleJudgeFn): Judge {
  return {
    id,
    cacheable: false, // free and local; caching would only risk serving results of an edited rule
    async pair(input: PairInput): Promise<PairResult> {
      const join = (turns: readonly string[] | undefined) => turns?.join('\n\n');
      try {
        const out = await rule({
          question: join(input.question) ?? '',
          first: join(input.first) ?? '',
          second: join(input.second) ?? '',
          reference: join(input.reference),
        });
        const verdict = typeof out === 'string' ? out : out?.verdict;
        const raw = (typeof out === 'object' && out?.raw) || String(verdict);
        if (!VERDICTS.has(verdict)) {
          return { verdict: 'error', raw: JSON.stringify(out) ?? '', error: 'rule returned no first/second/tie verdict', requests: 0 };
        }
        return { verdict: verdict as PositionVerdict, raw, requests: 0, ...protocolFields(input.template.format, verdict as PositionVerdict, out) };
      } catch (err) {
        return { verdict: 'error', raw: '', error: `rule threw: ${(err as Error)?.message ?? String(err)}`, requests: 0 };
      }
    },
  };
}

/** Imports a rule module (path relative to `cwd`) and returns its `default` or `judge` export. */
export async function loadRuleModule(path: string, cwd: string = process.cwd()): Promise<RuleJudgeFn> {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new JudgeConfigError(`cannot load rule judge module ${file}: ${(err as Error).message}`);
  }
  const fn = typeof mod.default === 'function' ? mod.default : mod.judge;
  if (typeof fn !== 'function') {
    throw new JudgeConfigError(`rule judge module ${file} must export a judge function as "default" or "judge"`);
  }
  return fn as RuleJudgeFn;
}
