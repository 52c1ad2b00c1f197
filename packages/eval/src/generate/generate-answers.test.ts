import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAnswers } from '../io/answers.js';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, tempDir } from '../test-support/shared-data.js';
import { answerSeed, generateAnswers } from './generate-answers.js';
import type { ChatMessage, Generator } from './generator.js';

describe('generateAnswers', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('appends answers as it goes and resumes after a failure without redoing work', async () => {
    const prompts = Array.from({ length: 5 }, (_, i) => ({ id: `p${i}`, prompt: `question ${i}` }));
    const outFile = join(tmp.dir, 'resume.jsonl');
    const seen: string[] = [];
    const failing: Generator = async (p) => {
      if (seen.length === 3) throw new Error('model crashed');
      seen.push(String(p));
      return `answer to ${p}`;
    };
    await expect(generateAnswers({ prompts, generator: failing, outFile })).rejects.toThrow('model crashed');
    expect(readAnswers(outFile).map((r) => r.id)).toEqual(['p0', 'p1', 'p2']);

    const calls: string[] = [];
    const progress: number[] = [];
    const result = await generateAnswers({
      prompts,
      generator: async (p) => {
        calls.push(String(p));
        return `answer to ${p}`;
      },
      outFile,
      onProgress: (x) => progress.push(x.done),
    });
    expect(calls).toEqual(['question 3', 'question 4']);
    expect(progress).toEqual([4, 5]);
    expect(result).toEqual({ outFile, total: 5, generated: 2, resumed: 3 });
    expect(readAnswers(outFile)[4]).toEqual({ id: 'p4', prompt: 'question 4', output: 'answer to question 4' });
  });

  it('answers multi-turn prompts turn by turn with the conversation so far', async () => {
    const outFile = join(tmp.dir, 'multi.jsonl');
    const received: ChatMessage[][] = [];
    await generateAnswers({
      prompts: [{ id: '1', prompt: ['hi', 'and then?'] }],
      generator: async (p) => {
        received.push(p as ChatMessage[]);
        return `reply ${received.length}`;
      },
      outFile,
    });
    expect(received[1]).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'reply 1' },
      { role: 'user', content: 'and then?' },
    ]);
    expect(readAnswers(outFile)).toEqual([{ id: '1', prompt: ['hi', 'and then?'], output: ['reply 1', 'reply 2'] }]);
  });

  it('reads prompt files, honours limit, and refuses an out file with other prompts under the same ids', async () => {
    const promptsFile = join(tmp.dir, 'prompts.txt');
    writeFileSync(promptsFile, 'first\n\nsecond\nthird\n');
    const outFile = join(tmp.dir, 'limited.jsonl');
    const r = await generateAnswers({ prompts: promptsFile, generator: async (p) => `${p}!`, outFile, limit: 2 });
    expect(r.generated).toBe(2);
    expect(readAnswers(outFile).map((a) => [a.id, a.output])).toEqual([
      ['1', 'first!'],
      ['3', 'second!'],
    ]);
    await expect(
      generateAnswers({ prompts: [{ id: '1', prompt: 'different' }], generator: async () => 'x', outFile }),
    ).rejects.toThrow(/different prompt/);
    await expect(generateAnswers({ generator: async () => 'x', outFile })).rejects.toThrow(/exactly one of "bench" or "prompts"/);
  });

  it.skipIf(!HAS_SHARED_DATA)('answers a benchmark by name (MT-Bench, limit 2)', async () => {
    const outFile = join(tmp.dir, 'mt.jsonl');
    const r = await generateAnswers({ bench: 'mt-bench', dataDir: SHARED_DATA_DIR, generator: async () => 'ok', outFile, limit: 2 });
    expect(r.total).toBe(2);
    expect(readAnswers(outFile).map((a) => a.id)).toEqual(['81', '82']);
    expect(readAnswers(outFile)[0].output).toEqual(['ok', 'ok']);
  });
});

describe('generateAnswers: samples, seeds, token ids and λ', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('writes N samples per prompt with distinct recorded seeds that a rerun repeats, and token ids per turn', async () => {
    const prompts = [
      { id: 'q1', prompt: 'single' },
      { id: 'q2', prompt: ['turn one', 'turn two'] },
    ];
    const seen: Array<[string, number, number, number | undefined]> = [];
    const generator: Generator = async (p, context) => {
      seen.push([context!.id, context!.turn, context!.sample, context!.seed]);
      return { text: `s${context!.seed}`, tokenIds: [context!.turn, context!.sample], lambda: context!.turn === 2 ? 0.3 : 1 };
    };
    const outFile = join(tmp.dir, 'samples.jsonl');
    const result = await generateAnswers({ prompts, generator, outFile, numSamples: 3, seed: 7 });
    expect(result).toEqual({ outFile, total: 6, generated: 6, resumed: 0 });
    const rows = readAnswers(outFile);
    expect(rows.map((r) => [r.id, r.sample])).toEqual([
      ['q1#0', 0],
      ['q1#1', 1],
      ['q1#2', 2],
      ['q2#0', 0],
      ['q2#1', 1],
      ['q2#2', 2],
    ]);
    expect(new Set(rows.map((r) => r.seed)).size).toBe(6);
    expect(rows[0].seed).toBe(answerSeed(7, 'q1', 0));
    expect(rows[4]).toMatchObject({ output: [`s${rows[4].seed}`, `s${rows[4].seed}`], tokenIds: [[1, 1], [2, 1]], lambda: [1, 0.3] });
    expect(rows[0]).toMatchObject({ tokenIds: [1, 0], lambda: 1 });
    // Both turns of a conversation use the sample's seed.
    expect(seen.filter(([id, , sample]) => id === 'q2' && sample === 1).map(([, turn, , seed]) => [turn, seed])).toEqual([
      [1, rows[4].seed],
      [2, rows[4].seed],
    ]);

    const again = join(tmp.dir, 'samples-again.jsonl');
    await generateAnswers({ prompts, generator, outFile: again, numSamples: 3, seed: 7 });
    expect(readAnswers(again)).toEqual(rows);
    // Resuming skips the samples already written.
    expect(await generateAnswers({ prompts, generator, outFile, numSamples: 3, seed: 7 })).toMatchObject({ generated: 0, resumed: 6 });
  });
});
