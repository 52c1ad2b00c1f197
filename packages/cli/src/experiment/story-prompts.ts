import { readFileSync } from 'node:fs';
import { AligndialError, Rng } from '@aligndial/core';

const NAMES = ['Lily', 'Tom', 'Sue', 'Ben', 'Mia', 'Max', 'Anna', 'Sam', 'Lucy', 'Tim', 'Amy', 'Jack'];
const TEMPLATES = [
  'Once upon a time, there was a little girl named {name}.',
  'Once upon a time, there was a boy named {name}. One day,',
  '{name} went to the park with',
  'One day, {name} found a box in the garden.',
  '{name} and the dog walked to the',
  'It was a rainy day. {name}',
  '{name} looked at the big tree and',
  'At school, {name} saw',
  '{name} wanted to play with the ball, but',
  'The cat ran into the house. {name}',
  'Mom gave {name} a',
  '{name} went to the beach. The water was',
];

/**
 * Built-in story openings in the register of TinyStories (the default experiment model's training data):
 * every template × name, in a fixed order (144 openings). They are prompts only: the model writes the rest.
 */
export function storyOpenings(): string[] {
  return TEMPLATES.flatMap((t) => NAMES.map((name) => t.replaceAll('{name}', name)));
}

/** Prompts from a file: `.jsonl` with a `prompt` field per line, else one prompt per non-empty line. Errors name the line. */
export function readPromptFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AligndialError(`--prompts ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    if (!path.endsWith('.jsonl')) return void out.push(line.trimEnd());
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new AligndialError(`${path}:${i + 1}: not valid JSON`);
    }
    const prompt = (row as { prompt?: unknown })?.prompt;
    if (typeof prompt !== 'string' || !prompt) throw new AligndialError(`${path}:${i + 1}: field "prompt" must be a non-empty string`);
    out.push(prompt);
  });
  if (out.length === 0) throw new AligndialError(`--prompts ${path}: no prompts in the file`);
  return out;
}

/** A seeded split of prompts into training and evaluation prompts (disjoint; `evalCount` for evaluation). */
export function splitPrompts(prompts: readonly string[], evalCount: number, seed: number): { train: string[]; eval: string[] } {
  const unique = [...new Set(prompts)];
  if (evalCount < 1 || evalCount >= unique.length) {
    throw new AligndialError(`--eval-prompts ${evalCount} must leave training prompts: there are ${unique.length} distinct prompts`);
  }
  new Rng(seed).shuffle(unique);
  return { eval: unique.slice(0, evalCount), train: unique.slice(evalCount) };
}
