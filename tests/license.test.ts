import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, workspacePackages } from './workspace-packages.js';

// Every package says Apache-2.0; the text itself must ship at the root and inside every tarball.
describe('LICENSE', () => {
  const root = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');

  it('is the Apache-2.0 text at the repository root', () => {
    expect(root).toContain('Apache License');
    expect(root).toContain('Version 2.0, January 2004');
    expect(root).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
  });

  for (const pkg of workspacePackages()) {
    it(`${pkg.name} declares Apache-2.0 and packs the same LICENSE file`, () => {
      expect(pkg.manifest.license).toBe('Apache-2.0');
      expect(pkg.manifest.files).toContain('LICENSE');
      expect(readFileSync(join(pkg.dir, 'LICENSE'), 'utf8')).toBe(root);
    });
  }
});
