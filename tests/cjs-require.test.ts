import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, workspacePackages } from './workspace-packages.js';

// Every package promises a CommonJS build on every Node it supports (engines: >= 20). Node 20 before
// 20.19 cannot require() an ES module; `--no-experimental-require-module` gives today's Node that
// same behaviour, so a CJS entry that pulls in an ESM-only dependency fails here as it would there.
const packages = workspacePackages();
const built = packages.every((p) => existsSync(join(p.dir, 'dist', 'index.cjs')));
if (!built) console.warn('tests/cjs-require.test.ts: skipped, packages are not built (run `pnpm build`; `pnpm test` does)');

/** Every entry a package exports to require(): `name` and each subpath (`name/testing`, …), with its file. */
function cjsEntries(pkg: (typeof packages)[number]): { specifier: string; file: string }[] {
  const exportsMap = (pkg.manifest.exports ?? {}) as Record<string, { require?: { default?: string } | string } | string>;
  return Object.entries(exportsMap).flatMap(([subpath, target]) => {
    const require = typeof target === 'object' ? target.require : undefined;
    const file = typeof require === 'string' ? require : require?.default;
    return file ? [{ specifier: pkg.name + subpath.slice(1), file: join(pkg.dir, file) }] : [];
  });
}

describe.skipIf(!built)('CommonJS builds', () => {
  for (const pkg of packages) {
    for (const { specifier, file } of cjsEntries(pkg)) {
      it(`require('${specifier}') works with require(esm) turned off`, () => {
        const script = [
          `const m = require(${JSON.stringify(specifier)});`,
          `process.stdout.write(JSON.stringify({ exports: Object.keys(m).length, file: require.resolve(${JSON.stringify(specifier)}) }));`,
        ].join('\n');
        // Run from the package folder so the name resolves through its own node_modules like a user's install.
        const out = execFileSync(process.execPath, ['--no-experimental-require-module', '-e', script], {
          cwd: pkg.dir,
          encoding: 'utf8',
          env: { ...process.env, NODE_OPTIONS: '' },
        });
        const result = JSON.parse(out) as { exports: number; file: string };
        expect(result.file).toBe(file);
        expect(result.exports).toBeGreaterThan(0);
      });
    }
  }

  it('every package declares the Node range CI tests and main points at the CJS build', () => {
    for (const pkg of packages) {
      expect(pkg.manifest.engines?.node, pkg.name).toBe('>=20');
      expect(pkg.manifest.main, pkg.name).toBe('./dist/index.cjs');
    }
    expect(REPO_ROOT).toBeTruthy();
  });
});
