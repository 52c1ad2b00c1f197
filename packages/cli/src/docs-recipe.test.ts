import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionBody, type FakeOpenAI, startFakeOpenAI } from '../../eval/src/test-support/fake-openai.js';
import { runCreateRandom } from './commands/create-random.js';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, tempDir, writeJsonl } from './commands/eval-test-support.js';
import { runCliCaptured } from './testing/run-cli-captured.js';

/**
 * Runs every ```sh block of docs/reproduce.md. The blocks use a small shell subset that this
 * test interprets: `NAME=value` (the test's overrides win), `for X in WORDS; do … done`,
 * `aligndial …` commands (with `\` continuations), `$NAME`/`${NAME}` expansion and quotes.
 * Anything else fails the test, so the recipe stays runnable. Commands get extra flags that
 * shrink them (`--max-samples`, `--max-steps`, …): commander keeps the last value of a repeated flag.
 */
const RECIPE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/reproduce.md');

/** Flags appended per subcommand to keep the run small on a tiny model. */
const SHRINK: Record<string, string[]> = {
  'eval generate': ['--max-samples', '2', '--max-new-tokens', '4', '--backend', 'wasm'],
  'eval reference': ['--max-samples', '2'],
  'clm train': ['--max-steps', '2', '--batch-size', '2', '--grad-accum', '1', '--backend', 'wasm'],
  'dpo train': ['--max-steps', '2', '--batch-size', '2', '--grad-accum', '1', '--backend', 'wasm'],
  'clm distill': ['--max-steps', '2', '--batch-size', '2', '--save-steps', '0', '--backend', 'wasm'],
  'alignez generate-data': ['--max-samples', '6', '--max-new-tokens', '6', '--traits-max-new-tokens', '6', '--backend', 'wasm'],
  'alignez fit': ['--edit-layers', '1', '--k', '2', '--backend', 'wasm'],
};

type Env = Map<string, string>;

/** Splits a shell line into words: quotes, `$NAME`/`${NAME}` expansion, unquoted expansions split on spaces. */
function shellWords(line: string, env: Env): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  const variable = (text: string, at: number): [string, number] => {
    const m = text.slice(at).match(/^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/);
    if (!m) return ['$', at + 1];
    const name = m[1] ?? m[2];
    if (!env.has(name)) throw new Error(`recipe uses $${name} before setting it: ${line}`);
    return [env.get(name)!, at + m[0].length];
  };
  for (let i = 0; i < line.length; ) {
    const c = line[i];
    if (/\s/.test(c)) {
      if (started) words.push(word);
      word = '';
      started = false;
      i++;
    } else if (c === '#' && !started) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end);
      started = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (line[i] !== '"') {
        if (line[i] === '$') {
          const [value, next] = variable(line, i);
          word += value;
          i = next;
        } else word += line[i++];
      }
      started = true;
      i++;
    } else if (c === '$') {
      const [value, next] = variable(line, i);
      const parts = value.split(/\s+/);
      parts.forEach((part, k) => {
        if (k > 0) {
          words.push(word);
          word = '';
        }
        word += part;
      });
      started = true;
      i = next;
    } else {
      word += c;
      started = true;
      i++;
    }
  }
  if (started) words.push(word);
  return words;
}

/** The recipe's ```sh blocks as logical lines (continuations joined, blank lines dropped). */
function recipeLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n')).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

describe.skipIf(!HAS_SHARED_DATA)('docs/reproduce.md runs (tiny model, rule judge)', () => {
  const tmp = tempDir();
  let grader: FakeOpenAI;
  const commands: string[][] = [];
  const overrides: Env = new Map();
  beforeAll(async () => {
    grader = await startFakeOpenAI((_request, send) => send(200, chatCompletionBody('The answer is fine. Rating: [[7]]')));
    const base = join(tmp.dir, 'base');
    await runCreateRandom({ shape: 'tiny', out: base, seed: 12 });
    const prefs = writeJsonl(
      join(tmp.dir, 'prefs.jsonl'),
      Array.from({ length: 8 }, (_, i) => ({ prompt: `Question ${i}: how do I help?`, chosen: ' Kindly and carefully.', rejected: ' No.' })),
    );
    const queries = writeJsonl(
      join(tmp.dir, 'queries.jsonl'),
      Array.from({ length: 6 }, (_, i) => ({ prompt: `Give me advice number ${i}.` })),
    );
    const run = join(tmp.dir, 'run');
    for (const [name, value] of Object.entries({
      BASE: base,
      DPO: join(run, 'dpo'),
      PREFS: prefs,
      DATA: SHARED_DATA_DIR,
      JUDGE: 'rule:length',
      GRADER: `openai:grader@${grader.url}`,
      AH_BASELINE: join(run, 'answers', 'clm@0.arena-hard.jsonl'),
      QUERIES: queries,
      LAMBDAS: '0 1',
      RUN: run,
    })) {
      overrides.set(name, value);
    }
  });
  afterAll(async () => {
    await grader.close();
    tmp.cleanup();
  });

  async function execute(lines: string[], env: Env): Promise<void> {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const loop = line.match(/^for ([A-Za-z_]\w*) in (.*); do$/);
      if (loop) {
        const end = lines.indexOf('done', i);
        expect(end, `unclosed loop: ${line}`).toBeGreaterThan(i);
        for (const value of shellWords(loop[2], env)) await execute(lines.slice(i + 1, end), new Map([...env, [loop[1], value]]));
        i = end;
        continue;
      }
      const assignment = line.match(/^([A-Za-z_]\w*)=(.*)$/);
      if (assignment) {
        const [name, rest] = [assignment[1], assignment[2]];
        env.set(name, overrides.get(name) ?? shellWords(rest, env).join(' '));
        continue;
      }
      const words = shellWords(line, env);
      expect(words[0], `the recipe runs only aligndial commands: ${line}`).toBe('aligndial');
      const args = words.slice(1);
      const key = args.slice(0, 2).join(' ');
      const run = await runCliCaptured([...args, ...(SHRINK[key] ?? [])]);
      commands.push(args);
      expect(run.code, `${words.join(' ')}\n${run.stderr}`).toBe(0);
    }
  }

  it('runs every sh block and produces the tables', async () => {
    await execute(recipeLines(readFileSync(RECIPE, 'utf8')), new Map());
    const run = overrides.get('RUN')!;
    const table1 = readFileSync(join(run, 'table1.md'), 'utf8');
    expect(table1.split('\n')[0]).toBe('| method | λ | AlpacaEval LC % | AlpacaEval WR % | Arena-Hard WR % | MT-Bench turn 1 | MT-Bench turn 2 |');
    for (const row of ['| clm | 0 |', '| clm | 1 |', '| dera | 0 |', '| dera | 1 |', '| dpo |  |']) expect(table1).toContain(row);
    expect(table1).toMatch(/\| clm \| 1 \| [\d.]+ \| [\d.]+ \| [\d.]+ \[[\d.]+, [\d.]+\] \| 7\.00 \| 7\.00 \|/);
    for (const ext of ['csv', 'svg', 'png']) expect(existsSync(join(run, `table1.${ext}`))).toBe(true);
    const table4 = readFileSync(join(run, 'table4', 'table4.md'), 'utf8');
    expect(table4).toContain('| turn2 | 0.5 |');
    const turn2 = readFileSync(join(run, 'answers', 'turn2@0.5.mt-bench.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(turn2[0].lambda).toEqual([1, 0.5]);
    const alignez = readFileSync(join(run, 'alignez', 'table.md'), 'utf8');
    expect(alignez.split('\n')[0]).toBe('| method | λ | Net Win % (just-eval) | RI % (just-eval) |');
    expect(existsSync(join(run, 'clm-distilled-0.5', 'adapter.json'))).toBe(true);
    expect(existsSync(join(run, 'dera-distilled-0.5', 'model.safetensors'))).toBe(true);
    // Every command family of the recipe ran.
    const families = new Set(commands.map((c) => c.slice(0, 2).join(' ')));
    for (const f of ['clm train', 'dpo train', 'eval reference', 'eval generate', 'eval compare', 'eval grade', 'eval table', 'clm distill', 'alignez generate-data', 'alignez fit']) {
      expect(families.has(f), f).toBe(true);
    }
  });

  it('interprets quotes, expansions and comments like a shell', () => {
    const env: Env = new Map([['A', 'x y'], ['B', 'z']]);
    expect(shellWords(`aligndial a $A "$A" '$A' \${B}w # comment`, env)).toEqual(['aligndial', 'a', 'x', 'y', 'x y', '$A', 'zw']);
    expect(() => shellWords('echo $MISSING', env)).toThrow(/uses \$MISSING before setting it/);
  });
});
