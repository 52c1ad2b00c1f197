import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = ['core', 'dpo', 'clm', 'alignez', 'eval', 'cli'];

export default defineConfig({
  resolve: {
    // Tests run against each package's source, so a change needs no rebuild to be tested.
    // Subpath entries (`@aligndial/core/internal`, `/testing`, `@aligndial/cli/library`) map to `src/<name>.ts`.
    alias: packages.flatMap((p) => [
      { find: new RegExp(`^@aligndial/${p}$`), replacement: fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url)) },
      { find: new RegExp(`^@aligndial/${p}/([a-z-]+)$`), replacement: fileURLToPath(new URL(`./packages/${p}/src/$1.ts`, import.meta.url)) },
    ]),
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    // tfjs keeps one global engine per process; isolate files in forks.
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
