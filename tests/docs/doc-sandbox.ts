import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCliCaptured } from '../../packages/cli/src/testing/run-cli-captured.js';
import { REPO_ROOT } from '../workspace-packages.js';
import { shellWords } from './shell-commands.js';

/** `../shared` beside the checkout: a real model and benchmark data (absent on a plain clone). */
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const HAS_SHARED = existsSync(join(SHARED_DIR, 'data', 'mt_bench')) && existsSync(join(SHARED_DIR, 'models', 'stories260K'));

/** What `DIR` (the documented placeholder for "your model directory") becomes: the embedded default model. */
export const MODEL_PLACEHOLDER_VALUE = join(REPO_ROOT, 'packages', 'cli', 'assets', 'default-model');

/** The built CLI the sandbox's `aligndial` runs (`pnpm test` builds first). */
export const CLI_BIN = join(REPO_ROOT, 'packages', 'cli', 'dist', 'bin.js');

/**
 * Commands the docs tests do not run, and why. Everything else in a ```sh block or a --help example runs.
 * Each pattern is matched against the whole command.
 */
export const NOT_RUN: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /^(npm|pnpm) (install|add|i)\b|^npm install -g/, reason: 'installs packages; the tests run this checkout' },
  { pattern: /\bpnpm (build|test)\b/, reason: 'builds or runs this test suite itself' },
  { pattern: /^alias aligndial=/, reason: 'the sandbox puts the same command on PATH as `aligndial`' },
  { pattern: /scripts\/train-default-model\.ts/, reason: 'retrains the embedded model (about 11 minutes); the script is typechecked' },
  { pattern: /openai:/, reason: 'needs an OpenAI-compatible judge (network, API key)' },
  { pattern: /^aligndial experiment controlled\b(?!.*--help)/, reason: 'a multi-minute experiment; run-experiment.test.ts runs it end to end on a tiny model' },
];

/**
 * Changes that only make a documented command cheaper (the documented values are what a user would run):
 * fewer samples, prompts and tokens, and `demo` in a reduced run. Ports become a free one.
 */
export function cheaper(command: string, port: number): string {
  const cap = (flag: string, most: number) => (c: string) => c.replace(new RegExp(`(${flag})(\\s+|=)(\\d+)\\b`, 'g'), (_m, f: string, sep: string, n: string) => `${f}${sep}${Math.min(Number(n), most)}`);
  let c = [cap('--max-samples', 8), cap('--limit', 2), cap('--max-new-tokens', 8), cap('--max-steps', 2), cap('--steps', 2)].reduce((acc, f) => f(acc), command);
  // Whole benchmarks and datasets → a few items.
  if (/^aligndial eval generate\b/.test(c) && !/--limit\b/.test(c)) c += ' --limit 2';
  if (/^aligndial (dpo|clm) train\b/.test(c) && !/--max-samples\b/.test(c)) c += ' --max-samples 8';
  c = c.replace(/\b(localhost|127\.0\.0\.1):(8000|8080)\b/g, `$1:${port}`).replace(/--port\s+(8000|8080)\b/g, `--port ${port}`);
  if (/^aligndial demo\b/.test(c) && !/--help/.test(c)) c += ' --quick --max-steps 1 --eval-prompts 2 --pairs 8 --lambdas 0,1 --no-alignez';
  return c;
}

/** Flags whose value is a file or folder the command reads. */
const INPUT_FLAGS = new Set(['--model', '--aligned-model', '--config', '--from', '--dir', '--data', '--a', '--b', '--judgments', '--answers', '--adapter', '--edits', '--queries', '--prompts', '--ours', '--aligned', '--runs']);

/**
 * The first input of a command that does not exist in the sandbox: an example that reads what the user made
 * earlier (judgments of a judge that needs a key, their own data) cannot run alone.
 */
export function missingInput(command: string, cwd: string): string | undefined {
  const words = shellWords(command);
  for (let i = 0; i < words.length; i++) {
    if (!INPUT_FLAGS.has(words[i])) continue;
    for (let j = i + 1; j < words.length && !words[j].startsWith('--'); j++) {
      const path = words[j].replace(/^[\d.]+=/, ''); // --runs 0.5=file.jsonl
            if (!existsSync(resolve(cwd, path))) return path;
    }
  }
  return undefined;
}

/** A command ready to run, or why it is not run. */
export type PreparedCommand = { run: string; background: boolean } | { skip: string };

/** Applies the placeholder (`DIR`), `pnpm aligndial` → `aligndial`, the speed changes and the skip list. */
export function prepare(command: string, port: number): PreparedCommand {
  for (const { pattern, reason } of NOT_RUN) if (pattern.test(command)) return { skip: reason };
  let c = command.replace(/^pnpm aligndial\b/, 'aligndial').replace(/\bDIR\b/g, MODEL_PLACEHOLDER_VALUE);
  // `serve` runs until Ctrl-C: started in the background (as `… &`), stopped when its examples are done.
  const background = /\s&$/.test(c) || (/^aligndial serve\b/.test(c) && !/--help\b/.test(c));
  if (background) c = c.replace(/\s&$/, '');
  return { run: cheaper(c, port), background };
}

/** A throwaway folder laid out like a user's checkout: `<root>/aligndial` (the cwd) beside `<root>/shared`. */
export interface DocSandbox {
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
  dispose(): void;
}

export async function createSandbox(): Promise<DocSandbox> {
  const root = mkdtempSync(join(tmpdir(), 'aligndial-docs-'));
  const cwd = join(root, 'aligndial');
  const bin = join(root, 'bin');
  mkdirSync(cwd);
  mkdirSync(bin);
  for (const name of ['packages', 'node_modules', 'scripts']) symlinkSync(join(REPO_ROOT, name), join(cwd, name));
  if (HAS_SHARED) symlinkSync(SHARED_DIR, join(root, 'shared'));
  writeFileSync(join(bin, 'aligndial'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`);
  chmodSync(join(bin, 'aligndial'), 0o755);
  // The inputs the examples assume a user has: preference pairs (TRL layout) and queries.
  const pairs = [
    ['What is 2 plus 3?', '2 plus 3 is 5.', 'Figure it out yourself.'],
    ['What is the capital of France?', 'The capital of France is Paris.', "I won't help with that."],
    ['What colour is the sky?', 'The sky is blue.', 'The sky is green.'],
    ['What does a cow say?', 'A cow says moo.', 'Ask someone else, I am busy.'],
  ];
  writeFileSync(join(cwd, 'prefs.jsonl'), pairs.map(([prompt, chosen, rejected]) => `${JSON.stringify({ prompt, chosen, rejected })}\n`).join(''));
  writeFileSync(join(cwd, 'prompts.txt'), pairs.map(([prompt]) => `${prompt}\n`).join(''));
  writeFileSync(join(cwd, 'prompts.jsonl'), pairs.map(([prompt], i) => `${JSON.stringify({ id: String(i + 1), prompt })}\n`).join(''));
  return {
    cwd,
    port: await freePort(),
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ALIGNDIAL_PROGRESS: '0', NODE_OPTIONS: '' },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** What one command printed. */
export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in the sandbox. A plain `aligndial …` (no pipes, redirections or `&&`) runs in this process
 * through the real command tree (no Node and tfjs start-up per command); anything else runs in bash.
 */
export async function runCommand(sandbox: DocSandbox, command: string, timeoutMs = 180_000): Promise<CommandRun> {
  if (/^aligndial\s/.test(command) && !/[|><;&`$]/.test(command)) {
    const here = process.cwd();
    process.chdir(sandbox.cwd);
    try {
      return await runCliCaptured(shellWords(command).slice(1));
    } finally {
      process.chdir(here);
    }
  }
  const r = spawnSync('bash', ['-c', command], { cwd: sandbox.cwd, env: sandbox.env, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Starts a long-running command (`… &`, i.e. `serve`) and resolves once it says it is listening. */
export function startBackground(sandbox: DocSandbox, command: string, timeoutMs = 120_000): Promise<ChildProcess> {
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd: sandbox.cwd, env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command}: not listening after ${timeoutMs / 1000} s\n${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
      if (/Ctrl-C to stop/.test(stderr)) {
        clearTimeout(timer);
        ready(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${command}: exited with ${code} before listening\n${stderr}`));
    });
  });
}

/** Stops a background command the way a user would (Ctrl-C) and waits for it. */
export async function stopBackground(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGINT');
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
