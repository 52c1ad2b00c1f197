import type { Options } from 'tsup';

/**
 * ESM-only packages that a package imports statically. They are bundled into the build, so the CJS
 * output never `require()`s an ES module (Node 20 before 20.19 cannot; tests/cjs-require.test.ts
 * checks every CJS entry with require(esm) turned off). ESM-only packages loaded with a dynamic
 * `import()` (hyparquet, vega) need nothing: esbuild keeps `import()` in CJS output.
 */
export const BUNDLED_ESM_ONLY_DEPENDENCIES = ['p-limit', 'yocto-queue'];

/**
 * Shared tsup settings: ESM + CJS + .d.ts for every package.
 * `@tensorflow/*` and `@aligndial/*` stay external so the wasm backend finds its `.wasm`
 * files next to its own module and every package shares one tfjs engine.
 */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    // import.meta.url in the CJS build (the default model is found relative to its module).
    shims: true,
    external: [/^@tensorflow\//, /^@aligndial\//],
    noExternal: BUNDLED_ESM_ONLY_DEPENDENCIES,
    ...overrides,
  };
}
