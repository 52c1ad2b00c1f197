import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../packages/cli/src/program.js';
import { REPO_ROOT } from '../workspace-packages.js';
import { CLI_BIN, type DocSandbox, HAS_SHARED, createSandbox, missingInput, prepare, runCommand, startBackground, stopBackground } from './doc-sandbox.js';
import { type DocCommand, helpExampleCommands, markdownCommands } from './shell-commands.js';

type Command = ReturnType<typeof createProgram>;

// Docs that cannot rot: every command of every ```sh block of the READMEs, and every example of every
// `--help`, runs in order in a sandbox laid out like a checkout beside ../shared, and must exit 0 with
// the documented output shape. What is substituted or not run is listed in doc-sandbox.ts and docs/cli.md.

const built = existsSync(CLI_BIN);
if (!built) console.warn('tests/docs: skipped, the CLI is not built (run `pnpm build`; `pnpm test` does)');
if (!HAS_SHARED) console.warn('tests/docs: examples that use ../shared (a real model, benchmark data) are skipped: it is absent');

/** Every Markdown file a user reads: the root README, the package READMEs and docs/. */
function markdownFiles(): string[] {
  const files = [join(REPO_ROOT, 'README.md')];
  for (const p of readdirSync(join(REPO_ROOT, 'packages'))) files.push(join(REPO_ROOT, 'packages', p, 'README.md'));
  files.push(join(REPO_ROOT, 'packages/cli/src/serve/README.md'), join(REPO_ROOT, 'packages/cli/assets/default-model/README.md'));
  // docs/reproduce.md is a recipe of shell variables and loops: packages/cli/src/docs-recipe.test.ts runs it.
  for (const d of readdirSync(join(REPO_ROOT, 'docs'))) if (d.endsWith('.md') && d !== 'reproduce.md') files.push(join(REPO_ROOT, 'docs', d));
  return files.filter(existsSync);
}

/** Every command of the tree with its full --help text (including the examples added after it). */
function helpTexts(): { name: string; help: string }[] {
  const out: { name: string; help: string }[] = [];
  const walk = (command: Command, path: string[]) => {
    let help = '';
    command.configureOutput({ writeOut: (s: string) => (help += s), writeErr: (s: string) => (help += s) });
    command.outputHelp();
    out.push({ name: ['aligndial', ...path].join(' '), help });
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(createProgram(), []);
  return out;
}

/** Runs a sequence of documented commands in one sandbox, one test per command. */
function describeCommands(title: string, commands: readonly DocCommand[]): void {
  const needsShared = commands.some((c) => /\.\.\/shared|--bench\b/.test(c.command));
  describe.skipIf(!built || (needsShared && !HAS_SHARED))(title, () => {
    let sandbox: DocSandbox;
    const background: ChildProcess[] = [];
    beforeAll(async () => {
      sandbox = await createSandbox();
    });
    afterAll(async () => {
      for (const child of background) await stopBackground(child);
      sandbox?.dispose();
    });
    for (const { where, command } of commands) {
      const port = 0; // the sandbox's free port is applied when the test runs
      const probe = prepare(command, port);
      if ('skip' in probe) {
        it.skip(`${where}: ${command} — not run: ${probe.skip}`, () => {});
        continue;
      }
      it(`${where}: ${command}`, async (context) => {
        const prepared = prepare(command, sandbox.port) as { run: string; background: boolean };
        const missing = missingInput(prepared.run, sandbox.cwd);
        // Reported as skipped (with the reason), never silently passed.
        if (missing !== undefined) context.skip(`reads ${missing}, which no earlier example made`);
        if (prepared.background) {
          background.push(await startBackground(sandbox, prepared.run));
          return;
        }
        const run = await runCommand(sandbox, prepared.run);
        expect(run.code, `${prepared.run}\n--- stdout\n${run.stdout.slice(-2000)}\n--- stderr\n${run.stderr.slice(-2000)}`).toBe(0);
        expectDocumentedShape(prepared.run, run.stdout);
      });
    }
  });
}

/** The output shape a command's documentation promises. */
function expectDocumentedShape(command: string, stdout: string): void {
  if (/--help\b/.test(command)) {
    expect(stdout).toMatch(/^Usage: /m);
  } else if (/^curl\b/.test(command)) {
    if (/"stream":\s*true/.test(command)) expect(stdout).toContain('data: [DONE]');
    else expect(JSON.parse(stdout)).toMatchObject({ object: expect.stringMatching(/^(chat\.completion|text_completion|list|model)$/) });
  } else if (/^aligndial\b.*\s--json\b/.test(command)) {
    const lines = stdout.trimEnd().split('\n');
    expect(lines, 'exactly one JSON object on stdout').toHaveLength(1);
    expect(typeof JSON.parse(lines[0])).toBe('object');
  } else if (/^aligndial generate\b/.test(command)) {
    expect(stdout, 'streamed text ending in a newline').toMatch(/\n$/);
  } else if (/^aligndial eval report\b/.test(command)) {
    expect(stdout.trim().length).toBeGreaterThan(0);
  }
}

for (const file of markdownFiles()) {
  const commands = markdownCommands(readFileSync(file, 'utf8'), relative(REPO_ROOT, file));
  if (commands.length > 0) describeCommands(`${relative(REPO_ROOT, file)} (shell blocks)`, commands);
}

describe('--help examples', () => {
  it('every command that runs work documents at least one example, and every example names a real command', () => {
    const texts = helpTexts();
    const names = new Set(texts.map((t) => t.name));
    for (const { name, help } of texts) {
      for (const example of helpExampleCommands(help, name)) {
        if (!example.command.startsWith('aligndial ')) continue;
        const words = example.command.split(/\s+/);
        // the longest prefix of the example that is a command
        const command = [3, 2, 1].map((n) => words.slice(0, n).join(' ')).find((p) => names.has(p));
        expect(command, `${name}: example "${example.command}" names no command`).toBeDefined();
      }
    }
  });
});

for (const { name, help } of built ? helpTexts() : []) {
  const examples = helpExampleCommands(help, `${name} --help`);
  if (examples.length > 0) describeCommands(`${name} --help examples`, examples);
}
