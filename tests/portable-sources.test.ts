import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './workspace-packages.js';

// CI checks a fresh clone in another directory: a tracked source that imports by an absolute path works
// only on the machine that wrote it (and there it type-checks a second copy of the sources).
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const ABSOLUTE_IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"](\/[^'"]*)['"]/g;

function trackedSources(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => SOURCE.test(f));
}

describe.skipIf(!existsSync(join(REPO_ROOT, '.git')))('tracked sources', () => {
  it('import nothing by an absolute path', () => {
    const offenders: string[] = [];
    for (const file of trackedSources()) {
      const path = join(REPO_ROOT, file);
      if (!existsSync(path)) continue; // deleted in the work tree, not yet committed
      for (const m of readFileSync(path, 'utf8').matchAll(ABSOLUTE_IMPORT)) offenders.push(`${file}: ${m[1]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the pattern catches the forms it is meant to', () => {
    // Built from pieces, so this file's own text holds no absolute import for the scan above to find.
    const [from, dyn, req] = ['import a from ', 'const b = await import(', 'require('];
    const text = `${from}'/x/a.js';\n${dyn}"/x/b.js");\n${req}'/x/c');\n${from}'./d.js';`;
    expect([...text.matchAll(ABSOLUTE_IMPORT)].map((m) => m[1])).toEqual(['/x/a.js', '/x/b.js', '/x/c']);
  });
});
