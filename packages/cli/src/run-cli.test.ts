import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@aligndial/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateJson } from './commands/generate.js';
import { type CliRun, runCliCaptured } from './testing/run-cli-captured.js';

type Run = CliRun;

/** Runs `aligndial ...args` in-process, capturing what it writes to stdout and stderr. */
const cli = (...args: string[]): Promise<Run> => runCliCaptured(args);

/** A user error: non-zero exit, a one-line `aligndial: error: …` (plus an optional hint line), no stack trace. */
function expectUserError(run: Run, code: number, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^aligndial: error: /);
  expect(lines[0]).toMatch(pattern);
  for (const line of lines.slice(1)) expect(line).toMatch(/^(hint: |\(run with --help for usage\))/);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

const tmp = mkdtempSync(join(tmpdir(), 'aligndial-cli-'));
const model = join(tmp, 'tiny');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('aligndial command line', () => {
  beforeAll(async () => {
    process.env.ALIGNDIAL_PROGRESS = '0';
    await initBackend('wasm');
    const run = await cli('create-random', '--shape', 'tiny', '--out', model, '--seed', '5', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ out: model, parameters: expect.any(Number), vocabSize: 300, dtype: 'float32' });
  });

  const generateArgs = ['generate', '--model', model, '--prompt', 'Once upon a time', '--max-new-tokens', '12', '--backend', 'wasm'];

  it('generate --weights int8 --threads 2 reports them, and --weights rejects unknown types', async () => {
    const run = await cli(...generateArgs, '--temperature', '0', '--json', '--weights', 'int8', '--threads', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ weights: 'int8', engine: { name: 'aligndial-wasm-simd', threads: 2, threadsSource: 'option' } });
    const bad = await cli(...generateArgs, '--weights', 'fp8');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--weights.*fp8.*auto, f32, bf16, int8/s);
  });

  it('generate --json prints the documented JSON object on one line', async () => {
    const run = await cli(...generateArgs, '--temperature', '0', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.endsWith('\n') && run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const json = JSON.parse(run.stdout) as GenerateJson;
    // A small float32 checkpoint stays on the tfjs path under --weights auto (no engine to report).
    expect(Object.keys(json).sort()).toEqual(['backend', 'decodeSeconds', 'finishReason', 'ids', 'prefillSeconds', 'promptIds', 'text', 'tokensPerSecond', 'weights']);
    expect(json).toMatchObject({ backend: 'wasm', weights: 'tfjs', finishReason: expect.stringMatching(/^(length|eos|stop)$/) });
    expect(json.promptIds.length).toBeGreaterThan(1);
    expect(json.ids.length).toBeGreaterThan(0);
    expect(json.ids.length).toBeLessThanOrEqual(12);
    expect(typeof json.text).toBe('string');
    for (const k of ['tokensPerSecond', 'prefillSeconds', 'decodeSeconds'] as const) {
      expect(Number.isFinite(json[k]) && json[k] >= 0, k).toBe(true);
    }
  });

  it('generate --chat warns when the model has no chat template (and not when it has one)', async () => {
    const withTemplate = await cli(...generateArgs, '--chat', '--temperature', '0', '--json');
    expect(withTemplate.code, withTemplate.stderr).toBe(0);
    expect(withTemplate.stderr).toBe('');
    const dir = join(tmp, 'no-template');
    cpSync(model, dir, { recursive: true });
    const configFile = join(dir, 'tokenizer_config.json');
    const { chat_template: _dropped, ...config } = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify(config));
    const run = await cli('generate', '--model', dir, '--prompt', 'Hi', '--max-new-tokens', '2', '--chat', '--temperature', '0', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(`aligndial: warning: ${dir} has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja); --chat formats the messages as plain "User: …" / "Assistant:" lines instead\n`);
    expect(JSON.parse(run.stdout)).toMatchObject({ finishReason: expect.any(String) });
  });

  it('--temperature 0 is deterministic, and streaming prints the same text', async () => {
    const a = JSON.parse((await cli(...generateArgs, '--temperature', '0', '--json')).stdout) as GenerateJson;
    const b = JSON.parse((await cli(...generateArgs, '--temperature', '0', '--json', '--seed', '99')).stdout) as GenerateJson;
    expect(b.ids).toEqual(a.ids);
    expect(b.text).toBe(a.text);
    const streamed = await cli(...generateArgs, '--temperature', '0');
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(streamed.stdout).toBe(`${a.text}\n`);
  });

  it('--stop cuts the text, in --json and when streaming', async () => {
    const full = JSON.parse((await cli(...generateArgs, '--temperature', '0', '--json')).stdout) as GenerateJson;
    expect(full.text.length).toBeGreaterThanOrEqual(6);
    const stop = full.text.slice(3, 5);
    const expected = full.text.slice(0, full.text.indexOf(stop));
    const json = JSON.parse((await cli(...generateArgs, '--temperature', '0', '--json', '--stop', stop)).stdout) as GenerateJson;
    expect(json).toMatchObject({ text: expected, finishReason: 'stop' });
    const streamed = await cli(...generateArgs, '--temperature', '0', '--stop', stop);
    expect(streamed.stdout).toBe(`${expected}\n`);
  });

  it('sampling repeats with a seed', async () => {
    const a = JSON.parse((await cli(...generateArgs, '--temperature', '1', '--seed', '3', '--json')).stdout) as GenerateJson;
    const b = JSON.parse((await cli(...generateArgs, '--temperature', '1', '--seed', '3', '--json')).stdout) as GenerateJson;
    expect(b.ids).toEqual(a.ids);
  });

  it('--max-new-tokens 0 generates nothing', async () => {
    const json = JSON.parse((await cli(...generateArgs, '--max-new-tokens', '0', '--json')).stdout) as GenerateJson;
    expect(json).toMatchObject({ ids: [], text: '', finishReason: 'length', tokensPerSecond: 0 });
  });

  it('--help lists the options', async () => {
    const run = await cli('generate', '--help');
    expect(run.code).toBe(0);
    for (const flag of ['--model <dir>', '--prompt <text>', '--chat', '--max-new-tokens <n>', '--temperature <t>', '--top-k <k>', '--top-p <p>', '--repetition-penalty <r>', '--seed <s>', '--stop <text...>', '--backend <name>', '--json']) {
      expect(run.stdout).toContain(flag);
    }
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const command of ['generate', 'create-random', 'bench']) expect(top.stdout).toContain(command);
  });

  it('bench decode --json prints numbers', async () => {
    const run = await cli('bench', 'decode', '--model', model, '--tokens', '4', '--prompt', '5', '--warmup', '1', '--backend', 'wasm', '--json');
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ backend: 'wasm', promptTokens: 5, decodeTokens: 4 });
    for (const k of ['prefillTokensPerSecond', 'decodeTokensPerSecond', 'msPerToken']) expect(Number.isFinite(json[k]) && json[k] > 0, k).toBe(true);
  });

  describe('user errors: one line on stderr, non-zero exit, no stack trace', () => {
    it('missing model directory', async () => {
      expectUserError(await cli('generate', '--model', join(tmp, 'absent'), '--prompt', 'x', '--backend', 'wasm'), 1, /absent: model directory not found/);
    });

    it('broken config.json names line:column', async () => {
      const dir = join(tmp, 'broken-config');
      cpSync(model, dir, { recursive: true });
      const text = readFileSync(join(dir, 'config.json'), 'utf8');
      writeFileSync(join(dir, 'config.json'), text.replace('"hidden_size": 32,', '"hidden_size": ,'));
      expectUserError(await cli('generate', '--model', dir, '--prompt', 'x', '--backend', 'wasm'), 1, /config\.json:\d+:\d+: invalid JSON in model config/);
    });

    it('corrupt model.safetensors', async () => {
      const dir = join(tmp, 'corrupt-weights');
      cpSync(model, dir, { recursive: true });
      writeFileSync(join(dir, 'model.safetensors'), Buffer.from([1, 2, 3]));
      expectUserError(await cli('generate', '--model', dir, '--prompt', 'x', '--backend', 'wasm'), 1, /model\.safetensors/);
    });

    it.each([
      [['--max-new-tokens', '-1'], /--max-new-tokens.*must be between 0 and/],
      [['--max-new-tokens', '2.5'], /--max-new-tokens.*expected a whole number/],
      [['--temperature', '-0.5'], /--temperature.*must be ≥ 0, got -0\.5$/],
      [['--temperature', 'hot'], /--temperature.*expected a finite number/],
      [['--top-p', '1.5'], /--top-p.*must be > 0 and ≤ 1, got 1\.5$/],
      [['--top-p', '0'], /--top-p.*must be > 0 and ≤ 1, got 0$/],
      [['--repetition-penalty', '0'], /--repetition-penalty.*must be > 0, got 0$/],
      [['--top-k', '-3'], /--top-k.*must be between 0/],
      [['--seed', 'abc'], /--seed.*expected a whole number/],
    ])('out-of-range flag %j', async (flags, pattern) => {
      expectUserError(await cli('generate', '--model', model, '--prompt', 'x', ...flags), 2, pattern);
    });

    it('missing required option and unknown backend', async () => {
      expectUserError(await cli('generate', '--model', model), 2, /required option '--prompt <text>' not specified/);
      // --backend is checked while parsing, the same way in every command.
      expectUserError(await cli('generate', '--model', model, '--prompt', 'x', '--backend', 'gpu9000'), 2, /argument 'gpu9000' is invalid\. Allowed choices are auto, node-gpu, node, wasm, cpu/);
    });

    it('create-random needs exactly one of --config / --shape', async () => {
      expectUserError(await cli('create-random', '--out', join(tmp, 'x')), 2, /give exactly one of --config FILE or --shape NAME/);
    });

  });
});
