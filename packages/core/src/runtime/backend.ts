import { AligndialError } from '../errors.js';
import { type EngineInfo, engineInfo } from '../engine/engine.js';
import { registerMatMulGradient } from './matmul-gradient.js';
import { tf } from './tf.js';
import { registerWasmKernels } from './wasm-kernels.js';

/** Where tensors run. `node-gpu` and `node` are TensorFlow's C library via tfjs-node(-gpu). */
export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** What runs, as reported by `aligndial generate --json` and the benchmarks. */
export interface BackendInfo {
  /** aligndial's name for the backend. */
  name: BackendName;
  /** The tfjs backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** Whether it was chosen automatically or requested (option or `ALIGNDIAL_BACKEND`). */
  requested: boolean;
  /**
   * aligndial's matmul engine (frozen weight matrices, wasm/cpu backends): its threads and memory.
   * Present once the engine has started (a model was loaded with engine weights).
   */
  engine?: EngineInfo;
}

const NODE_PACKAGES: Record<'node-gpu' | 'node', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

let current: BackendInfo | undefined;

/** The backend that `initBackend` selected (with the engine's state now), or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  if (!current) return undefined;
  const engine = engineInfo();
  return engine ? { ...current, engine } : current;
}

function parseBackendName(value: string, source: string): BackendName | 'auto' {
  const name = value.trim().toLowerCase();
  if (name === 'auto' || (BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName | 'auto';
  throw new AligndialError(`Unknown backend "${value}" (from ${source}).`, {
    hint: `Use one of: auto, ${BACKEND_NAMES.join(', ')}.`,
  });
}

/** Loads tfjs-node(-gpu) if the user installed it; false when it is absent or cannot load. */
async function tryLoadNodeBackend(name: 'node-gpu' | 'node'): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await import(/* optional peer */ NODE_PACKAGES[name]);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

async function activate(name: BackendName): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (name === 'node-gpu' || name === 'node') {
    const loaded = await tryLoadNodeBackend(name);
    if (!loaded.ok) return loaded;
    const ok = await tf.setBackend('tensorflow');
    return ok ? { ok: true } : { ok: false, reason: 'the tensorflow backend failed to initialise' };
  }
  if (name === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
    registerWasmKernels();
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  const ok = await tf.setBackend(name);
  return ok ? { ok: true } : { ok: false, reason: `tf.setBackend('${name}') failed` };
}

/**
 * Selects and initialises the tensor backend; later calls return the same one unless a
 * different backend is requested. Order when automatic: node-gpu (CUDA), node, wasm, cpu.
 * `ALIGNDIAL_BACKEND` overrides the automatic choice; an explicit argument overrides both.
 */
export async function initBackend(requestedName?: BackendName | 'auto'): Promise<BackendInfo> {
  const fromEnv = process.env.ALIGNDIAL_BACKEND;
  const wanted =
    requestedName !== undefined
      ? parseBackendName(requestedName, 'the backend option')
      : fromEnv
        ? parseBackendName(fromEnv, 'ALIGNDIAL_BACKEND')
        : 'auto';
  if (current && (wanted === 'auto' || wanted === current.name)) return current;
  registerMatMulGradient();
  tf.enableProdMode(); // silences tfjs' console banners; keeps its debug checks off the hot path
  if (wanted !== 'auto') {
    const result = await activate(wanted);
    if (!result.ok) {
      const pkg = wanted === 'node-gpu' || wanted === 'node' ? NODE_PACKAGES[wanted] : `@tensorflow/tfjs-backend-${wanted}`;
      throw new AligndialError(`The ${wanted} backend is not available: ${result.reason}`, {
        hint:
          wanted === 'node-gpu' || wanted === 'node'
            ? `Install it beside aligndial: npm install ${pkg}@4.22.0 (it downloads libtensorflow${wanted === 'node-gpu' ? ' and needs CUDA' : ''}).`
            : `Reinstall ${pkg}@4.22.0.`,
      });
    }
    current = { name: wanted, tfBackend: tf.getBackend(), requested: true };
    return current;
  }
  for (const name of BACKEND_NAMES) {
    if ((await activate(name)).ok) {
      current = { name, tfBackend: tf.getBackend(), requested: false };
      return current;
    }
  }
  throw new AligndialError('No tensor backend could be initialised (tried node-gpu, node, wasm, cpu).');
}
