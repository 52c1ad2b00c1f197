import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { FLAG_VOCABULARY, RETIRED_FLAGS } from './flag-vocabulary.js';
import { createProgram } from './program.js';

// One vocabulary of flags (docs/cli.md): walks the whole command tree, so a flag added anywhere later is held
// to it too.

interface Occurrence {
  command: string;
  option: Option;
}

function leafCommands(command: Command, path: string[] = []): { path: string; command: Command }[] {
  if (command.commands.length === 0) return [{ path: path.join(' '), command }];
  return command.commands.flatMap((c) => leafCommands(c, [...path, c.name()]));
}

function occurrences(): Map<string, Occurrence[]> {
  const byFlag = new Map<string, Occurrence[]>();
  for (const { path, command } of leafCommands(createProgram())) {
    for (const option of command.options) {
      if (!option.long || option.hidden) continue;
      const list = byFlag.get(option.long) ?? [];
      list.push({ command: path, option });
      byFlag.set(option.long, list);
    }
  }
  return byFlag;
}

/** What a flag's parser does with a few probe values: the parsed value or the error message. */
function parserBehaviour(option: Option): string {
  const probes = ['0', '1', '3', '2.5', '-1', '1e9', 'abc', 'auto', 'wasm'];
  const results = probes.map((p) => {
    if (option.argChoices && !option.argChoices.includes(p)) return `choice:${option.argChoices.join('|')}`;
    if (!option.parseArg) return `string:${p}`;
    try {
      return JSON.stringify(option.parseArg(p, undefined as never));
    } catch (error) {
      return `error:${(error as Error).message}`;
    }
  });
  return `${option.required || option.optional ? 'value' : 'switch'}${option.variadic ? '...' : ''} ${results.join(' ')}`;
}

describe('the flag vocabulary', () => {
  const byFlag = occurrences();

  it('one name, one parser: every flag parses the same way in every command that has it', () => {
    const problems: string[] = [];
    for (const [flag, list] of byFlag) {
      const groups = new Map<string, string[]>();
      for (const o of list) groups.set(parserBehaviour(o.option), [...(groups.get(parserBehaviour(o.option)) ?? []), o.command]);
      if (groups.size > 1) problems.push(`${flag} parses differently in: ${[...groups.values()].map((cs) => `[${cs.join(', ')}]`).join(' vs ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('shared ideas share their help text (docs/cli.md table)', () => {
    const problems: string[] = [];
    for (const [flag, help] of Object.entries(FLAG_VOCABULARY)) {
      for (const { command, option } of byFlag.get(flag) ?? []) {
        if (!option.description.startsWith(help)) problems.push(`${command} ${flag}: "${option.description}" should start with "${help}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('retired names appear in no --help (they only work as hidden, warning aliases)', () => {
    const problems = Object.keys(RETIRED_FLAGS).flatMap((old) =>
      (byFlag.get(old) ?? []).map((o) => `${o.command} shows ${old} (retired for ${RETIRED_FLAGS[old].join(' / ')})`),
    );
    expect(problems).toEqual([]);
  });

  it('every command has --json (one JSON object) except serve, which runs until stopped', () => {
    const missing = leafCommands(createProgram())
      .filter(({ path, command }) => path !== 'serve' && !command.options.some((o) => o.long === '--json'))
      .map(({ path }) => path);
    expect(missing).toEqual([]);
  });

  it('docs/cli.md lists every shared flag and every retired name', () => {
    const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    expect([...Object.keys(FLAG_VOCABULARY), ...Object.keys(RETIRED_FLAGS)].filter((flag) => !doc.includes(`\`${flag}`))).toEqual([]);
  });
});
