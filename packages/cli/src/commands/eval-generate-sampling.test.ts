import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelSession } from '../model-session.js';
import { runCliCaptured } from '../testing/run-cli-captured.js';
import { runCreateRandom } from './create-random.js';
import { runEvalCli, tempDir, writeJsonl } from './eval-test-support.js';

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('aligndial eval generate: sampling options, samples with seeds, token ids, per-turn λ', () => {
  const tmp = tempDir();
  const model = join(tmp.dir, 'tiny');
  const adapter = join(tmp.dir, 'adapter');
  const prompts = join(tmp.dir, 'prompts.txt');
  beforeAll(async () => {
    await runCreateRandom({ shape: 'tiny', out: model, seed: 5 });
    writeFileSync(prompts, 'Say hello.\nName a colour.\n');
    const data = writeJsonl(
      join(tmp.dir, 'prefs.jsonl'),
      Array.from({ length: 8 }, (_, i) => ({ prompt: `Question ${i}?`, chosen: ' Yes, gladly.', rejected: ' No.' })),
    );
    const trained = await runCliCaptured(['clm', 'train', '--model', model, '--data', data, '--out', adapter, '--max-steps', '3', '--batch-size', '4', '--lr', '1e-2', '--save-steps', '0', '--backend', 'wasm']);
    expect(trained.code, trained.stderr).toBe(0);
  });
  afterAll(tmp.cleanup);

  it('--num-samples writes one line per sample with a distinct recorded seed; reruns repeat; token ids decode to the text', async () => {
    const args = ['generate', '--model', model, '--prompts', prompts, '--max-new-tokens', '6', '--temperature', '1', '--top-k', '50', '--top-p', '0.95', '--repetition-penalty', '1.1', '--num-samples', '3', '--seed', '11'];
    const out = join(tmp.dir, 'samples.jsonl');
    const run = await runEvalCli([...args, '--out', out]);
    expect(run).toMatchObject({ code: 0, stdout: `${out}: 6 answers (6 new, 0 resumed)\n` });
    const rows = lines(out);
    expect(rows.map((r) => r.id)).toEqual(['1#0', '1#1', '1#2', '2#0', '2#1', '2#2']);
    expect(rows.map((r) => r.sample)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(new Set(rows.map((r) => r.seed)).size).toBe(6);
    for (const r of rows) expect(r.tokenIds.length).toBeGreaterThan(0);
    const session = await openModelSession({ model });
    try {
      for (const r of rows) expect(session.tokenizer.decode(r.tokenIds, { skipSpecialTokens: true })).toBe(r.output);
    } finally {
      session.dispose();
    }
    const again = join(tmp.dir, 'samples-again.jsonl');
    expect((await runEvalCli([...args, '--out', again])).code).toBe(0);
    expect(lines(again)).toEqual(rows);
  });

  it('--turn-lambda answers each turn at its λ and records it; turn 2 equals a direct generation at that λ', async () => {
    const file = writeJsonl(join(tmp.dir, 'turns.jsonl'), [{ id: 'q1', prompt: ['Hi there.', 'Tell me more.'] }]);
    const out = join(tmp.dir, 'turns.jsonl.out');
    const run = await runEvalCli(['generate', '--model', model, '--adapter', adapter, '--lambda', '1', '--turn-lambda', '2=0.3', '--prompts', file, '--max-new-tokens', '5', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const [record] = lines(out);
    expect(record.lambda).toEqual([1, 0.3]);
    expect(record.tokenIds).toHaveLength(2);
    const session = await openModelSession({ model, adapter });
    try {
      const conversation = [
        { role: 'user' as const, content: 'Hi there.' },
        { role: 'assistant' as const, content: record.output[0] },
        { role: 'user' as const, content: 'Tell me more.' },
      ];
      const turn2 = await session.generate([conversation], { maxNewTokens: 5, temperature: 0, steering: { lambda: 0.3 } });
      expect(turn2.sequences[0].ids).toEqual(record.tokenIds[1]);
    } finally {
      session.dispose();
    }
    const list = await runEvalCli(['generate', '--model', model, '--adapter', adapter, '--turn-lambda', '1,0.3', '--prompts', file, '--max-new-tokens', '5', '--out', join(tmp.dir, 'list.jsonl')]);
    expect(list.code).toBe(0);
    expect(lines(join(tmp.dir, 'list.jsonl'))[0]).toMatchObject({ output: record.output, lambda: [1, 0.3] });

    const noAdapter = await runEvalCli(['generate', '--model', model, '--turn-lambda', '2=0.3', '--prompts', file, '--out', join(tmp.dir, 'x.jsonl')]);
    expect(noAdapter).toMatchObject({ code: 2, stderr: 'aligndial: error: --turn-lambda needs a model with λ: give --adapter DIR (a CLM) or --aligned-model DIR (DeRa)\n' });
    const bad = await runEvalCli(['generate', '--model', model, '--adapter', adapter, '--turn-lambda', '0=1', '--prompts', file, '--out', join(tmp.dir, 'y.jsonl')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--turn-lambda "0=1": "0=1" is not TURN=λ with TURN ≥ 1');
  });

  it('warns when a model without a chat template gets plain-format prompts', async () => {
    const config = join(model, 'tokenizer_config.json');
    const original = readFileSync(config, 'utf8');
    const { chat_template: _drop, ...rest } = JSON.parse(original);
    writeFileSync(config, JSON.stringify(rest));
    try {
      const run = await runEvalCli(['generate', '--model', model, '--prompts', prompts, '--max-samples', '1', '--max-new-tokens', '2', '--out', join(tmp.dir, 'plain.jsonl')]);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`aligndial: warning: ${model} has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja); eval generate (without --raw) formats the messages as plain "User: …" / "Assistant:" lines instead`);
      const raw = await runEvalCli(['generate', '--model', model, '--prompts', prompts, '--raw', '--max-samples', '1', '--max-new-tokens', '2', '--out', join(tmp.dir, 'raw.jsonl')]);
      expect(raw.stderr).not.toContain('warning');
      const chat = await runCliCaptured(['generate', '--model', model, '--chat', '--prompt', 'Hi', '--max-new-tokens', '2', '--json']);
      expect(chat.code).toBe(0);
      expect(chat.stderr).toContain(`aligndial: warning: ${model} has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja); --chat formats the messages as plain "User: …" / "Assistant:" lines instead`);
    } finally {
      writeFileSync(config, original);
    }
  });
});
