import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../generate/generator.js';
import { appendAnswer } from '../io/answers.js';
import { createJudge } from '../judge/create-judge.js';
import { resolvePairTemplate } from '../judge/judge-prompts-file.js';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, tempDir } from '../test-support/shared-data.js';
import { compareAnswers } from './compare-answers.js';
import { readJudgments } from './judgment-record.js';

describe.skipIf(!HAS_SHARED_DATA)('FastChat pairwise templates', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const aFile = join(tmp.dir, 'a.jsonl');
  const bFile = join(tmp.dir, 'b.jsonl');
  appendAnswer(aFile, { id: '1', prompt: ['first question', 'second question {not a placeholder}'], output: ['A1', 'A2 GOOD'] });
  appendAnswer(bFile, { id: '1', prompt: ['first question', 'second question {not a placeholder}'], output: ['B1', 'B2'] });

  it('judges two-turn answers with pair-v2-multi-turn and parses [[A]]/[[B]]', async () => {
    const seen: ChatMessage[][] = [];
    const judge = await createJudge('local:/judge', {
      complete: async (p) => {
        const messages = p as ChatMessage[];
        seen.push(messages);
        const user = messages[messages.length - 1].content;
        // Prefer whichever position holds the GOOD conversation.
        return user.indexOf('GOOD') < user.indexOf("<|The Start of Assistant B's") ? 'A is better. [[A]]' : '[[B]]';
      },
    });
    const outFile = join(tmp.dir, 'multi.jsonl');
    await compareAnswers({ aFile, bFile, judge, template: 'pair-v2-multi-turn', dataDir: SHARED_DATA_DIR, outFile, swap: true });
    expect(readJudgments(outFile)[0]).toMatchObject({ verdict: 'A', template: 'pair-v2-multi-turn' });
    expect(seen[0][0].content).toMatch(/^Please act as an impartial judge/);
    expect(seen[0][1].content).toContain('second question {not a placeholder}');
    expect(seen[0][1].content).toContain('### Assistant A:\nA1');
  });

  it('explains template/turn mismatches and unknown names', async () => {
    const judge = await createJudge('rule:length');
    await expect(compareAnswers({ aFile, bFile, judge, outFile: join(tmp.dir, 'x.jsonl') })).rejects.toThrow(
      /id "1" has 2 turns but judge template "alignez" judges one turn/,
    );
    expect(() => resolvePairTemplate('pair-v9', SHARED_DATA_DIR)).toThrow(/unknown pairwise judge template "pair-v9" \(known: alignez, arena-hard, alpaca-eval, pair-v2/);
    expect(() => resolvePairTemplate('pair-v2')).toThrow(/give the data folder/);
    expect(resolvePairTemplate('pair-math-v1', SHARED_DATA_DIR).format).toBe('ab');
  });
});
