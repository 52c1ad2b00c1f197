import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

// Three entries (`.`, `./internal`, `./testing`) that share one copy of every module (splitting), so a
// class such as Transformer is the same class whichever entry it came through.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/internal.ts', 'src/testing.ts'], splitting: true }));
