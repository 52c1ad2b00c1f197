import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Temporary names this project writes, each carrying the writer's pid:
// writeFileAtomic `.{name}.{pid}.{ms}.tmp`; directory writes and checkpoints `.{name}.tmp-{pid}-…` / `.{name}.old-{pid}-…`;
// eval's JSONL rewrite `{name}.tmp-{pid}`.
const TEMP_NAME = [/^\..+\.(\d+)\.\d+\.tmp$/, /^\..+\.(?:tmp|old)-(\d+)(?:-.*)?$/, /^.+\.tmp-(\d+)$/];

/** Whether a process with this pid is running (EPERM: it exists but belongs to someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files and directories that killed writes left in `dir`: names this project's atomic
 * writers use whose writer process is gone. A live writer's (this process's included) are left alone.
 * @returns The names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no directory yet: nothing stale
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.map((re) => re.exec(name)).find((m) => m !== null);
    if (!match) continue;
    const pid = Number(match[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
