import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@aligndial/core';
import { copySeed } from './fuzz-seeds.js';
import { FUZZ_TARGETS } from './fuzz-targets.js';
import type { FuzzCase, FuzzReply } from './fuzz-worker.js';

/** Outcome counts of a fuzz run (the issue's closing-note figures). */
export interface FuzzCounts {
  tried: number;
  /** A one-line AligndialError naming the case's file. */
  clean: number;
  /** Loaded, and the load passed the garbage checks. */
  accepted: number;
  /** Raw JS errors, unclear errors (multi-line, not naming the file), silent garbage, or a dead worker (heap abort). */
  crashes: number;
  /** No answer within the case timeout. */
  hangs: number;
}

/** A case that did not end in a clean error or a legitimate load. */
export interface FuzzFailure {
  index: number;
  target: string;
  mutation: string;
  kind: 'raw error' | 'unclear error' | 'garbage' | 'worker died' | 'hang';
  detail: string;
}

export interface FuzzOptions {
  /** Cases to run. */
  n: number;
  /** Seed of the run; case i uses its own Rng derived from (seed, i), so any case can be replayed alone. */
  seed: number;
  /** Valid artifacts written by writeFuzzSeeds. */
  seedRoot: string;
  /** Scratch directory for case copies. */
  workDir: string;
  /** Stop starting new cases after this long (CI bound); default none. */
  budgetMs?: number;
  /** A case taking longer is a hang (default 10 s). */
  caseTimeoutMs?: number;
  /** Only these case indices (replaying a failure). */
  only?: readonly number[];
}

export interface FuzzReport {
  counts: FuzzCounts;
  /** The same counts per target (file kind). */
  byTarget: Record<string, FuzzCounts>;
  failures: FuzzFailure[];
  elapsedMs: number;
  /** True when the budget ended the run before `n` cases. */
  stoppedAtBudget: boolean;
  /** The longest case that answered (ms), and which it was: how far the run stayed from the hang limit. */
  slowest: { ms: number; index: number; target: string; mutation: string };
}

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const PACKAGES = ['core', 'dpo', 'clm', 'alignez', 'eval', 'cli'];
/** Heap of the worker: a loader that allocates without bound aborts quickly instead of eating the machine. */
const WORKER_HEAP_MB = 768;

/** The worker runs the packages' sources through tsx, resolving @aligndial/* like vitest's aliases. */
function writeWorkerTsconfig(dir: string): string {
  const path = join(dir, 'tsconfig.fuzz.json');
  // As vitest's aliases: `@aligndial/x` → src/index.ts, subpath entries `@aligndial/x/name` → src/name.ts.
  const paths = Object.fromEntries(
    PACKAGES.flatMap((p) => [
      [`@aligndial/${p}`, [join(REPO, 'packages', p, 'src', 'index.ts')]],
      [`@aligndial/${p}/*`, [join(REPO, 'packages', p, 'src', '*.ts')]],
    ]),
  );
  writeFileSync(path, JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', baseUrl: REPO, paths } }));
  return path;
}

class Worker {
  private child: ChildProcess | undefined;
  private pending: ((reply: FuzzReply | { exit: string }) => void) | undefined;

  constructor(
    private readonly seedRoot: string,
    private readonly tsconfig: string,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [`--max-old-space-size=${WORKER_HEAP_MB}`, '--import', 'tsx', join(REPO, 'packages/cli/src/fuzz/fuzz-worker.ts'), this.seedRoot], {
      cwd: REPO,
      env: { ...process.env, TSX_TSCONFIG_PATH: this.tsconfig, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    await new Promise<void>((ok, fail) => {
      child.once('message', () => ok());
      child.once('exit', (code, signal) => fail(new Error(`fuzz worker failed to start (${signal ?? code}): ${stderr}`)));
    });
    child.on('message', (reply: FuzzReply) => this.settle(reply));
    child.on('exit', (code, signal) => this.settle({ exit: `${signal ?? `exit code ${code}`}; stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')}` }));
  }

  private settle(reply: FuzzReply | { exit: string }): void {
    const resolveIt = this.pending;
    this.pending = undefined;
    resolveIt?.(reply);
  }

  /** Runs one case: its reply, `{ exit }` when the worker died, or undefined after the timeout. */
  run(c: FuzzCase, timeoutMs: number): Promise<FuzzReply | { exit: string } | undefined> {
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        done(undefined);
      }, timeoutMs);
      this.pending = (reply) => {
        clearTimeout(timer);
        done(reply);
      };
      this.child!.send(c);
    });
  }

  stop(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    this.child = undefined;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
}

/**
 * Mutates the seeds case by case and loads each mutation in a worker process. Every case must end in a
 * clean one-line AligndialError naming the case's file, or in a load that passes the garbage checks.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  mkdirSync(options.workDir, { recursive: true });
  const worker = new Worker(options.seedRoot, writeWorkerTsconfig(options.workDir));
  const counts: FuzzCounts = { tried: 0, clean: 0, accepted: 0, crashes: 0, hangs: 0 };
  const byTarget: Record<string, FuzzCounts> = {};
  const count = (target: string, outcome: keyof FuzzCounts) => {
    const t = (byTarget[target] ??= { tried: 0, clean: 0, accepted: 0, crashes: 0, hangs: 0 });
    t.tried++;
    t[outcome]++;
    counts.tried++;
    counts[outcome]++;
  };
  const failures: FuzzFailure[] = [];
  let stoppedAtBudget = false;
  const slowest = { ms: 0, index: -1, target: '', mutation: '' };
  const indices = options.only ?? Array.from({ length: options.n }, (_, i) => i);
  try {
    for (const index of indices) {
      if (options.budgetMs !== undefined && performance.now() - started > options.budgetMs) {
        stoppedAtBudget = true;
        break;
      }
      if (!worker.alive) await worker.start();
      const target = FUZZ_TARGETS[index % FUZZ_TARGETS.length];
      const caseDir = join(options.workDir, `case-${index}`);
      mkdirSync(caseDir, { recursive: true });
      const path = join(caseDir, target.seed);
      copySeed(options.seedRoot, target.seed, path);
      const file = target.file ? join(path, target.file) : path;
      const mutation = target.mutate(new Uint8Array(readFileSync(file)), new Rng((options.seed * 100_003 + index) >>> 0));
      writeFileSync(file, mutation.bytes);
      const fail = (kind: FuzzFailure['kind'], detail: string) =>
        failures.push({ index, target: target.name, mutation: mutation.description, kind, detail: detail.slice(0, 1500) });
      const caseStart = performance.now();
      const reply = await worker.run(
        {
          id: index,
          loader: target.loader,
          path,
          safetensors: file.endsWith('.safetensors') ? { file, seed: join(options.seedRoot, target.seed, target.file), changed: mutation.changed } : undefined,
        },
        options.caseTimeoutMs ?? 10_000,
      );
      const ms = performance.now() - caseStart;
      if (reply !== undefined && ms > slowest.ms) Object.assign(slowest, { ms, index, target: target.name, mutation: mutation.description });
      const crash = (kind: FuzzFailure['kind'], detail: string) => {
        count(target.name, 'crashes');
        fail(kind, detail);
      };
      if (reply === undefined) {
        count(target.name, 'hangs');
        fail('hang', `no answer within ${options.caseTimeoutMs ?? 10_000} ms`);
        worker.stop();
      } else if ('exit' in reply) crash('worker died', reply.exit);
      else if (reply.outcome === 'accepted') {
        if (reply.garbage) crash('garbage', reply.garbage);
        else count(target.name, 'accepted');
      } else if (!reply.aligndialError) crash('raw error', reply.message ?? '');
      else if (reply.message!.includes('\n') || !reply.message!.includes(caseDir) || reply.message!.length > 2000) crash('unclear error', reply.message!);
      else count(target.name, 'clean');
      rmSync(caseDir, { recursive: true, force: true });
    }
  } finally {
    worker.stop();
  }
  return { counts, byTarget, failures, elapsedMs: performance.now() - started, stoppedAtBudget, slowest };
}
