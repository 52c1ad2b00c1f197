import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_STORIES260K, SHARED_ABSENT_MESSAGE, STORIES260K_DIR } from '../../../core/src/testing/shared-paths.js';
import { waitFor } from '../serve/test-fixtures.js';
import { runCliCaptured } from '../testing/run-cli-captured.js';
import { runCreateRandom } from './create-random.js';
import { runServe } from './serve.js';
import { tempDir, writeJsonl } from './eval-test-support.js';

const cli = (...args: string[]) => runCliCaptured([...args, '--backend', 'wasm']);
const ids = async (...args: string[]) => {
  const run = await cli('generate', ...args, '--max-new-tokens', '8', '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout).ids as number[];
};

describe('DeRa from the CLI: --aligned-model DIR --lambda L (two tiny models, one tokenizer)', () => {
  const tmp = tempDir();
  const base = join(tmp.dir, 'base');
  const aligned = join(tmp.dir, 'aligned');
  beforeAll(async () => {
    await runCreateRandom({ shape: 'tiny', out: base, seed: 1 });
    await runCreateRandom({ shape: 'tiny', out: aligned, seed: 2 }); // same synthetic tokenizer, other weights
  });
  afterAll(tmp.cleanup);

  it('generate: λ = 1 is the aligned model, λ = 0 the reference, other λ mix them', async () => {
    // Sampled with one seed, so the tokens follow each model's whole distribution, not just its argmax.
    const prompt = ['--prompt', 'Once upon a time', '--temperature', '1', '--seed', '7'];
    const alone = { base: await ids('--model', base, ...prompt), aligned: await ids('--model', aligned, ...prompt) };
    expect(alone.base).not.toEqual(alone.aligned);
    expect(await ids('--model', base, '--aligned-model', aligned, '--lambda', '1', ...prompt)).toEqual(alone.aligned);
    expect(await ids('--model', base, '--aligned-model', aligned, '--lambda', '0', ...prompt)).toEqual(alone.base);
    expect(await ids('--model', base, '--aligned-model', aligned, ...prompt)).toEqual(alone.aligned); // λ defaults to 1
    const mixed = await ids('--model', base, '--aligned-model', aligned, '--lambda', '0.5', ...prompt);
    expect(mixed).toHaveLength(8);
    expect([alone.base, alone.aligned]).not.toContainEqual(mixed);
  });

  it('eval generate records λ per answer; serve takes λ per request', async () => {
    const prompts = writeJsonl(join(tmp.dir, 'p.jsonl'), [{ id: 'a', prompt: 'Once upon a time' }]);
    const out = join(tmp.dir, 'dera.jsonl');
    const run = await cli('eval', 'generate', '--model', base, '--aligned-model', aligned, '--lambda', '0', '--prompts', prompts, '--raw', '--max-new-tokens', '8', '--out', out);
    expect(run.code, run.stderr).toBe(0);
    const [record] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(record.lambda).toBe(0);
    expect(record.tokenIds).toEqual(await ids('--model', base, '--prompt', 'Once upon a time'));

    const stop = new AbortController();
    let url = '';
    const lines: string[] = [];
    const done = runServe(
      { model: base, alignedModel: aligned, backend: 'wasm', host: '127.0.0.1', port: 0, maxQueue: 4, maxNewTokens: 32, maxBodyBytes: 65536, shutdownGrace: 1 },
      { stop: stop.signal, stderr: { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream, onListening: (s) => (url = s.url) },
    );
    await waitFor(() => url !== '');
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      const complete = (lambda: number) =>
        client.completions.create({ model: 'base', prompt: 'Once upon a time', max_tokens: 8, temperature: 0, lambda } as never) as unknown as Promise<{ choices: { text: string }[] }>;
      const [at0, at1] = [await complete(0), await complete(1)];
      const text = async (model: string) => {
        const r = await cli('generate', '--model', model, '--prompt', 'Once upon a time', '--max-new-tokens', '8', '--json');
        return JSON.parse(r.stdout).text as string;
      };
      expect(at0.choices[0].text).toBe(await text(base));
      expect(at1.choices[0].text).toBe(await text(aligned));
      expect(lines.join('')).toMatch(/λ default 1/);
    } finally {
      stop.abort();
      await done;
    }
  });

  it('refuses two tokenizers, two steering sources, and λ without either', async () => {
    const other = join(tmp.dir, 'other');
    cpSync(aligned, other, { recursive: true });
    const tj = JSON.parse(readFileSync(join(other, 'tokenizer.json'), 'utf8'));
    const [a, b] = Object.keys(tj.model.vocab).filter((k) => tj.model.vocab[k] === 200 || tj.model.vocab[k] === 201);
    [tj.model.vocab[a], tj.model.vocab[b]] = [tj.model.vocab[b], tj.model.vocab[a]];
    writeFileSync(join(other, 'tokenizer.json'), JSON.stringify(tj));
    const mismatch = await cli('generate', '--model', base, '--aligned-model', other, '--prompt', 'x');
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/DeRa needs one tokenizer for both models, but token 20[01] differs: --aligned-model .* has .*, --model .* has/);
    const both = await cli('generate', '--model', base, '--aligned-model', aligned, '--adapter', aligned, '--prompt', 'x');
    expect(both.stderr).toContain('give --adapter DIR (a CLM) or --aligned-model DIR (DeRa), not both');
    const lambdaOnly = await cli('generate', '--model', base, '--lambda', '0.5', '--prompt', 'x');
    expect(lambdaOnly.stderr).toContain('--lambda needs --adapter DIR (a CLM adapter) or --aligned-model DIR (DeRa)');
  });
});

if (!HAS_STORIES260K) console.warn(SHARED_ABSENT_MESSAGE);

describe.skipIf(!HAS_STORIES260K)('DeRa and per-turn λ on ../shared/models/stories260K', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('DeRa with stories260K as both models is the model itself at any λ; per-turn λ with a CLM adapter', async () => {
    const prompt = ['--prompt', 'Once upon a time', '--max-new-tokens', '12', '--json'];
    const plain = JSON.parse((await cli('generate', '--model', STORIES260K_DIR, ...prompt)).stdout).ids;
    const dera = await cli('generate', '--model', STORIES260K_DIR, '--aligned-model', STORIES260K_DIR, '--lambda', '0.3', ...prompt);
    expect(dera.code, dera.stderr).toBe(0);
    expect(JSON.parse(dera.stdout).ids).toEqual(plain);

    const identity = join(tmp.dir, 'identity');
    expect((await cli('clm', 'expand', '--model', STORIES260K_DIR, '--out', identity)).code).toBe(0);
    const turns = writeJsonl(join(tmp.dir, 'turns.jsonl'), [{ id: 's', prompt: ['Tell me a story.', 'And then?'] }]);
    const out = join(tmp.dir, 'turns-out.jsonl');
    const run = await cli('eval', 'generate', '--model', STORIES260K_DIR, '--adapter', identity, '--lambda', '1', '--turn-lambda', '2=0.3', '--prompts', turns, '--max-new-tokens', '6', '--out', out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('has no chat template'); // stories260K is a base model
    expect(JSON.parse(readFileSync(out, 'utf8')).lambda).toEqual([1, 0.3]);
  });
});
