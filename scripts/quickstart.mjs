#!/usr/bin/env node
// `pnpm quickstart`: a whole-stack smoke run without ../shared: create a seeded random stories15M-shaped model,
// generate with it and measure decode speed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const cli = new URL('../packages/cli/dist/bin.js', import.meta.url).pathname;
const modelDir = new URL('../.tmp/quickstart-stories15M', import.meta.url).pathname;
/** @param {string[]} args */
const run = (args) => execFileSync(process.execPath, [cli, ...args], { stdio: 'inherit' });

if (!existsSync(`${modelDir}/model.safetensors`)) {
  console.error('Creating a random stories15M-shaped model (seeded) ...');
  run(['create-random', '--shape', 'stories15M', '--out', modelDir, '--seed', '0']);
}
console.error('Generating 32 tokens (random weights: expect gibberish; this checks the whole stack) ...');
run(['generate', '--model', modelDir, '--prompt', 'Once upon a time', '--max-new-tokens', '32', '--temperature', '0', '--json']);
run(['bench', 'decode', '--model', modelDir, '--tokens', '64']);
