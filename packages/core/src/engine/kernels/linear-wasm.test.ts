import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, '..', '..', '..', 'scripts', 'build-engine-wasm.mjs');

function hasClang(): boolean {
  try {
    execFileSync('clang-14', ['--version'], { stdio: 'ignore' });
    execFileSync('wasm-ld-14', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CLANG = hasClang();
if (!CLANG) console.warn('clang-14/lld-14 are not installed: skipping the check that linear-wasm.ts matches linear.c (.ci/run installs them)');

describe('the committed engine module', () => {
  it.skipIf(!CLANG)('is what linear.c compiles to (rebuild: node packages/core/scripts/build-engine-wasm.mjs)', () => {
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/matches its source/);
  });

  it('declares the exports the engine calls', async () => {
    const { LINEAR_WASM_BASE64 } = await import('./linear-wasm.js');
    const module = new WebAssembly.Module(Buffer.from(LINEAR_WASM_BASE64, 'base64'));
    const names = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const n of ['linear_f32', 'linear_bf16', 'linear_q8', 'linear_grad_f32', 'linear_grad_bf16', 'linear_grad_q8', 'quantize_x_q16', 'quantize_w_q8', 'f32_to_bf16', '__stack_pointer', '__heap_base']) {
      expect(names).toContain(n);
    }
  });
});
