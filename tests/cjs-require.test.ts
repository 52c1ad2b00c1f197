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

describe.skipIf(!built)('CommonJS builds', () => {
  for (const pkg of packages) {
    it(`require('${pkg.name}') works with require(esm) turned off`, () => {
      const script = [
        `const m = require(${JSON.stringify(pkg.name)});`,
        'process.stdout.write(JSON.stringify({ exports: Object.keys(m).length, file: require.resolve(' + JSON.stringify(pkg.name) + ') }));',
      ].join('\n');
      // Run from the package folder so the name resolves through its own node_modules like a user's install.
      const out = execFileSync(process.execPath, ['--no-experimental-require-module', '-e', script], {
        cwd: pkg.dir,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      const result = JSON.parse(out) as { exports: number; file: string };
      expect(result.file).toBe(join(pkg.dir, 'dist', 'index.cjs'));
      expect(result.exports).toBeGreaterThan(0);
    });
  }

  it('every package declares the Node range CI tests and main points at the CJS build', () => {
    for (const pkg of packages) {
      expect(pkg.manifest.engines?.node, pkg.name).toBe('>=20');
      expect(pkg.manifest.main, pkg.name).toBe('./dist/index.cjs');
    }
    expect(REPO_ROOT).toBeTruthy();
  });
});
