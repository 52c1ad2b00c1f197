import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AligndialError } from '../errors.js';
import { assertLittleEndianHost, f32ToBf16, f32ToF16 } from '../io/dtype-convert.js';
import { Rng } from '../util/rng.js';
import type { ModelConfig } from './config.js';
import { expectedHfTensors } from './hf-layout.js';

/** The dtypes a random checkpoint can be written in (Hugging Face `torch_dtype` names). */
export type RandomCheckpointDtype = 'float32' | 'bfloat16' | 'float16';
const SAFETENSORS_DTYPE: Record<RandomCheckpointDtype, { name: string; bytes: number }> = {
  float32: { name: 'F32', bytes: 4 },
  bfloat16: { name: 'BF16', bytes: 2 },
  float16: { name: 'F16', bytes: 2 },
};
const CHUNK = 1 << 20; // elements generated and written per step: bounds memory whatever the model size

/** Options for {@link writeRandomCheckpoint}. */
export interface RandomCheckpointOptions {
  seed?: number;
  /** Standard deviation of the matrices' normal init (transformers' `initializer_range`). */
  initStd?: number;
  dtype?: RandomCheckpointDtype;
  /** Called after each chunk with the elements written so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Parses a config.json `torch_dtype` (absent → float32). */
export function parseTorchDtype(value: unknown, where: string): RandomCheckpointDtype {
  if (value === undefined || value === null) return 'float32';
  if (value === 'float32' || value === 'bfloat16' || value === 'float16') return value;
  throw new AligndialError(`${where}: torch_dtype "${String(value)}" is not supported (use float32, bfloat16 or float16)`);
}

/**
 * Writes `model.safetensors` with seeded random weights for `config`, tensor by tensor and a chunk
 * at a time (never the whole model in memory, nothing in the tfjs heap), atomically. Values are the
 * ones `createRandomModel` makes for the same seed (matrices ~ N(0, initStd²), norms 1, biases 0),
 * rounded to `dtype`.
 */
export function writeRandomCheckpoint(config: ModelConfig, file: string, options: RandomCheckpointOptions = {}): void {
  assertLittleEndianHost();
  const dtype = SAFETENSORS_DTYPE[options.dtype ?? 'float32'];
  const std = options.initStd ?? 0.02;
  const rng = new Rng(options.seed ?? 0);
  const specs = expectedHfTensors(config);
  // Data in the order the tensors are generated (the Rng stream's order); the header maps names to offsets.
  const header: Record<string, unknown> = {};
  let offset = 0;
  let total = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(size * dtype.bytes)) throw new AligndialError(`tensor "${spec.name}" of shape [${spec.shape.join(', ')}] is too large to write`);
    header[spec.name] = { dtype: dtype.name, shape: spec.shape, data_offsets: [offset, offset + size * dtype.bytes] };
    offset += size * dtype.bytes;
    total += size;
  }
  let json = JSON.stringify({ __metadata__: { format: 'pt' }, ...header });
  json += ' '.repeat((8 - (json.length % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  const write = (bytes: Uint8Array) => {
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
  };
  try {
    write(prefix);
    write(headerBytes);
    const values = new Float32Array(CHUNK);
    const half = new Uint16Array(CHUNK);
    let done = 0;
    for (const spec of specs) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const kind = spec.name.endsWith('norm.weight') ? 'one' : spec.name.endsWith('.bias') ? 'zero' : 'normal';
      for (let start = 0; start < size; start += CHUNK) {
        const n = Math.min(CHUNK, size - start);
        const v = values.subarray(0, n);
        if (kind === 'one') v.fill(1);
        else if (kind === 'zero') v.fill(0);
        else for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
        if (dtype.name === 'F32') write(new Uint8Array(v.buffer, 0, n * 4));
        else {
          const h = half.subarray(0, n);
          if (dtype.name === 'BF16') f32ToBf16(v, h);
          else f32ToF16(v, h);
          write(new Uint8Array(h.buffer, 0, n * 2));
        }
        done += n;
        options.onProgress?.(done, total);
      }
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, file);
}
