import { SingleBar } from 'cli-progress';

/** A progress bar on stderr (so stdout stays clean for --json); plain lines when stderr is not a terminal. */
export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/** Where a bar draws (stderr unless a test says otherwise). */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream | (NodeJS.WritableStream & { isTTY?: boolean });
  /** Clock for the plain-line mode (tests). */
  now?: () => number;
  /** Plain-line mode: at most one line per this many milliseconds (default 10 s), plus the last. */
  everyMs?: number;
}

/**
 * A bar that draws nothing until the first `update`: commands create it before work that can still
 * fail on bad input (a judge template, an adapter), and a failed run must print its error alone.
 */
export function createProgress(label: string, total: number, fields: Record<string, string | number> = {}, options: ProgressOptions = {}): Progress {
  if (process.env.ALIGNDIAL_PROGRESS === '0') return { update() {}, stop() {} };
  const stream = (options.stream ?? process.stderr) as NodeJS.WriteStream;
  if (!stream.isTTY) return lineProgress(label, total, fields, stream, options.now ?? Date.now, options.everyMs ?? 10_000);
  const extra = Object.keys(fields)
    .map((k) => `${k} {${k}}`)
    .join(' | ');
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} | {duration_formatted} elapsed | eta {eta_formatted}${extra ? ` | ${extra}` : ''}`,
    formatTime: formatSeconds,
    stream,
    hideCursor: true,
    etaBuffer: 20,
  });
  let started = false;
  return {
    update: (done, f) => {
      if (!started) {
        started = true;
        bar.start(total, done, { ...fields, ...f });
      } else bar.update(done, f);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/**
 * Where stderr is a file or a pipe (nohup, CI logs): one plain line per `everyMs` and one at the end,
 * written from `update` itself. cli-progress's own non-TTY mode prints from a timer, and a timer never
 * fires while training or scoring runs synchronously between awaits that settle as microtasks, so a
 * run of hours logged nothing.
 */
function lineProgress(label: string, total: number, fields: Record<string, string | number>, stream: NodeJS.WritableStream, now: () => number, everyMs: number): Progress {
  const start = now();
  let last = -Infinity;
  let done = 0;
  let current = { ...fields };
  let started = false;
  const line = () => {
    const elapsed = (now() - start) / 1000;
    const eta = done >= total ? 0 : done > 0 && elapsed > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    const extra = Object.entries(current).map(([k, v]) => ` | ${k} ${v}`).join('');
    stream.write(`${label} ${done}/${total} | ${formatSeconds(elapsed)} elapsed | eta ${formatSeconds(eta)}${extra}\n`);
    last = now();
  };
  return {
    update: (d, f) => {
      started = true;
      done = d;
      if (f) current = { ...current, ...f };
      if (now() - last >= everyMs) line();
    },
    stop: () => {
      if (started) line();
    },
  };
}

/**
 * Seconds as "12s", "3m 05s", "1h 02m"; "?" while there is no estimate yet (cli-progress passes the
 * strings "INF"/"NULL" then, which its own formatter prints as "NFs").
 */
export function formatSeconds(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
