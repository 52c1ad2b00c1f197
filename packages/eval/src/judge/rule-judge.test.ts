import { describe, expect, it } from 'vitest';
import { createJudge } from './create-judge.js';
import { BUILTIN_RULES, findRule, lengthRule, registerRule, ruleNames, type RuleJudgeFn } from './rule-judge.js';

const template = { name: 'alignez' } as never;

describe('rule registry', () => {
  it('ships rule:length and lets an application register more', async () => {
    expect(BUILTIN_RULES).toEqual({ length: lengthRule });
    await expect(createJudge('rule:shouty-test')).rejects.toThrow(/unknown rule judge "shouty-test" \(known: length/);
    const shouty: RuleJudgeFn = ({ first, second }) => (first === first.toUpperCase() ? 'first' : second === second.toUpperCase() ? 'second' : 'tie');
    registerRule('shouty-test', shouty);
    registerRule('shouty-test', shouty); // the same function again: a no-op
    expect(findRule('shouty-test')).toBe(shouty);
    expect(ruleNames()).toEqual(expect.arrayContaining(['length', 'shouty-test']));
    const judge = await createJudge('rule:shouty-test');
    expect((await judge.pair({ template, question: ['q'], first: ['hi'], second: ['HI'] })).verdict).toBe('second');
  });

  it('refuses a second function under a taken name and names that are module paths', () => {
    expect(() => registerRule('length', () => 'tie')).toThrow(/already registered/);
    expect(() => registerRule('./judge.js', () => 'tie')).toThrow(/letters, digits/);
  });
});
