import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
// `aligndial --version` reports the published package version.
const define = { __ALIGNDIAL_VERSION__: JSON.stringify(version) };

export default defineConfig([
  // The library (`.`) and the commander-free composition root (`./library`).
  packageBuild({ entry: ['src/index.ts', 'src/library.ts'], splitting: true, define }),
  // The `aligndial` executable: ESM only, shebang kept from the source.
  packageBuild({ entry: { bin: 'src/bin.ts' }, format: ['esm'], dts: false, clean: false, define }),
]);
