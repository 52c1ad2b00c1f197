import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in `<root>/tests`). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One publishable workspace package, as its package.json describes it. */
export interface WorkspacePackage {
  dir: string;
  name: string;
  manifest: {
    name: string;
    license?: string;
    files?: string[];
    main?: string;
    engines?: { node?: string };
    exports?: Record<string, unknown>;
    dependencies?: Record<string, string>;
  };
}

/** Every package under packages/, in directory order. */
export function workspacePackages(): WorkspacePackage[] {
  const root = join(REPO_ROOT, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(root, d.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as WorkspacePackage['manifest'];
      return { dir, name: manifest.name, manifest };
    });
}
