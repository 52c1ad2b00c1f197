import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as library from './library.js';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Every bare module a source file pulls in, following its relative imports (type-only imports skipped). */
function externalImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
      const [, typeOnly, spec] = m;
      if (typeOnly) continue;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else external.add(spec);
    }
  };
  visit(entry);
  return external;
}

describe('@aligndial/cli/library', () => {
  it('exports the model session and the OpenAI-compatible server', () => {
    for (const name of ['openModelSession', 'queryText', 'loadPretrained', 'startServer', 'createServeApp', 'ApiError']) {
      expect(typeof (library as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('needs no command-line dependency (commander, progress bars)', () => {
    const modules = externalImports(resolve(SRC, 'library.ts'));
    expect(modules.has('@aligndial/core')).toBe(true); // the walk reached the session's imports
    expect(modules.has('hono')).toBe(true); // and the server's
    for (const cliOnly of ['commander', 'cli-progress']) expect(modules.has(cliOnly), cliOnly).toBe(false);
  });
});
