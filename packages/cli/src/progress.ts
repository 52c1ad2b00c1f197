import { SingleBar } from 'cli-progress';

/** A progress bar on stderr (so stdout stays clean for --json); plain lines when stderr is not a terminal. */
export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/** Where a bar draws (stderr unless a test says otherwise). */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream | (NodeJS.WritableStream & { isTTY?: boolean });
}

/**
 * A bar that draws nothing until the first `update`: commands create it before work that can still
 * fail on bad input (a judge template, an adapter), and a failed run must print its error alone.
 */
export function createProgress(label: string, total: number, fields: Record<string, string | number> = {}, options: ProgressOptions = {}): Progress {
  if (process.env.ALIGNDIAL_PROGRESS === '0') return { update() {}, stop() {} };
  const stream = (options.stream ?? process.stderr) as NodeJS.WriteStream;
  const extra = Object.keys(fields)
    .map((k) => `${k} {${k}}`)
    .join(' | ');
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} | {duration_formatted} elapsed | eta {eta_formatted}${extra ? ` | ${extra}` : ''}`,
    formatTime: formatSeconds,
    stream,
    hideCursor: true,
    noTTYOutput: !stream.isTTY,
    notTTYSchedule: 10_000,
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
