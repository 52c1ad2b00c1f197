import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { AligndialError } from '../errors.js';
import { describeValue } from '../util/describe-value.js';
import { readJsonFile } from '../util/json-file.js';
import { bytesToInt32, bytesToWeights } from './dtype-convert.js';
import { SafetensorsReader, tensorNotFound, type TensorInfo } from './safetensors-reader.js';

/** File name of a single-file Hugging Face safetensors checkpoint. */
export const SINGLE_CHECKPOINT_FILE = 'model.safetensors';
/** File name of the index of a sharded Hugging Face safetensors checkpoint. */
export const SHARDED_CHECKPOINT_INDEX = 'model.safetensors.index.json';

const CONVERT_HINT =
  'Convert it in Python: load it with transformers (AutoModelForCausalLM.from_pretrained(dir)) and call ' +
  'model.save_pretrained(out_dir, safe_serialization=True), which writes model.safetensors.';

/**
 * Reads the weights of a Hugging Face model directory: `model.safetensors`, or the shards listed by
 * `model.safetensors.index.json` when that exists. Same read API as `SafetensorsReader`, across shards.
 */
export class CheckpointReader {
  /** The model directory. */
  readonly dir: string;
  /** The index file for a sharded checkpoint, else undefined. */
  readonly indexPath: string | undefined;
  /** `__metadata__` of the single file, or of the first shard. */
  readonly metadata: Readonly<Record<string, string>>;
  private readonly shards: readonly SafetensorsReader[];
  private readonly owner: ReadonlyMap<string, SafetensorsReader>;

  private constructor(dir: string, indexPath: string | undefined, shards: SafetensorsReader[], owner: Map<string, SafetensorsReader>) {
    this.dir = dir;
    this.indexPath = indexPath;
    this.shards = shards;
    this.owner = owner;
    this.metadata = shards[0]?.metadata ?? {};
  }

  /**
   * Opens a checkpoint. `path` is normally a model directory; a `.safetensors` file or a
   * `*.safetensors.index.json` file is also accepted.
   * @throws AligndialError when no safetensors checkpoint is found (naming the files looked for; `.bin`
   *   checkpoints must be converted first), or the index or a shard is invalid.
   */
  static open(path: string): CheckpointReader {
    if (!existsSync(path)) throw new AligndialError(`${path}: checkpoint not found (no such file or directory)`);
    if (statSync(path).isFile()) {
      if (path.endsWith('.index.json')) return CheckpointReader.openIndex(resolve(path, '..'), path);
      return CheckpointReader.openSingle(resolve(path, '..'), path);
    }
    const index = join(path, SHARDED_CHECKPOINT_INDEX);
    if (existsSync(index)) return CheckpointReader.openIndex(path, index);
    const single = join(path, SINGLE_CHECKPOINT_FILE);
    if (existsSync(single)) return CheckpointReader.openSingle(path, single);
    throw noCheckpoint(path);
  }

  private static openSingle(dir: string, file: string): CheckpointReader {
    const reader = SafetensorsReader.open(file);
    return new CheckpointReader(dir, undefined, [reader], new Map(reader.names().map((n) => [n, reader])));
  }

  private static openIndex(dir: string, index: string): CheckpointReader {
    const weightMap = readWeightMap(index);
    const shardFiles = [...new Set(Object.values(weightMap))];
    const readers = new Map<string, SafetensorsReader>();
    try {
      for (const shard of shardFiles) {
        const file = shardPath(dir, shard, index);
        if (!existsSync(file)) {
          throw new AligndialError(`${index}: shard "${shard}" listed in weight_map is missing (looked for ${file})`);
        }
        readers.set(shard, SafetensorsReader.open(file));
      }
      const owner = new Map<string, SafetensorsReader>();
      for (const [tensor, shard] of Object.entries(weightMap)) {
        const reader = readers.get(shard) as SafetensorsReader;
        if (!reader.has(tensor)) {
          throw new AligndialError(`${index}: weight_map puts tensor "${tensor}" in shard "${shard}", but that shard has no such tensor`);
        }
        owner.set(tensor, reader);
      }
      return new CheckpointReader(dir, index, [...readers.values()], owner);
    } catch (error) {
      for (const reader of readers.values()) reader.close();
      throw error;
    }
  }

  /** The safetensors files read, in shard order. */
  get files(): string[] {
    return this.shards.map((s) => s.path);
  }

  /** Tensor names: the weight_map's keys for a sharded checkpoint, else the file's in data order. */
  names(): string[] {
    return [...this.owner.keys()];
  }

  /** Whether the checkpoint has a tensor called `name`. */
  has(name: string): boolean {
    return this.owner.has(name);
  }

  /**
   * Describes one tensor (`file` says which shard holds it).
   * @throws AligndialError when `name` is absent.
   */
  info(name: string): TensorInfo {
    return this.reader(name).info(name);
  }

  /**
   * Reads one tensor's raw bytes from its shard.
   * @throws AligndialError when `name` is absent.
   */
  readBytes(name: string): Uint8Array {
    return this.reader(name).readBytes(name);
  }

  /**
   * Reads a float tensor (F32, F16, BF16 or F64) as float32 weights.
   * @throws AligndialError when `name` is absent, has an integer dtype, or holds NaN/±∞.
   */
  readFloat32(name: string): Float32Array {
    return this.reader(name).readFloat32(name);
  }

  /**
   * Reads a float tensor's bytes as stored (F16/BF16 stay 16-bit), checked for a float dtype and finite values.
   * @throws AligndialError when `name` is absent, has an integer dtype, or holds NaN/±∞.
   */
  readWeightBytes(name: string): Uint8Array {
    return this.reader(name).readWeightBytes(name);
  }

  /** Bytes in the data sections of all shards: an upper bound on what the tensors can hold. */
  get dataBytes(): number {
    return this.shards.reduce((n, s) => n + s.dataBytes, 0);
  }

  /**
   * Reads an integer (or BOOL) tensor as int32.
   * @throws AligndialError when `name` is absent, is a float dtype, or holds values outside int32.
   */
  readInt32(name: string): Int32Array {
    const reader = this.reader(name);
    return bytesToInt32(reader.readBytes(name), reader.info(name).dtype, `${reader.path}: tensor "${name}"`);
  }

  /** Closes every shard. Safe to call twice. */
  close(): void {
    for (const shard of this.shards) shard.close();
  }

  private reader(name: string): SafetensorsReader {
    const reader = this.owner.get(name);
    if (!reader) throw tensorNotFound(this.indexPath ?? this.shards[0].path, name, this.names());
    return reader;
  }
}

function readWeightMap(index: string): Record<string, string> {
  const parsed = readJsonFile(index, 'checkpoint index');
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== 'object' || Array.isArray(weightMap)) {
    throw new AligndialError(`${index}: "weight_map" must be an object mapping tensor names to shard files`);
  }
  const out: Record<string, string> = {};
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '') {
      throw new AligndialError(`${index}: "weight_map"."${tensor}" must be a shard file name, got ${describeValue(shard)}`);
    }
    out[tensor] = shard;
  }
  if (Object.keys(out).length === 0) throw new AligndialError(`${index}: "weight_map" is empty`);
  return out;
}

/** Resolves a shard inside the model directory; a shard path that escapes it is an error, not a read. */
function shardPath(dir: string, shard: string, index: string): string {
  const file = resolve(dir, shard);
  const rel = relative(resolve(dir), file);
  if (isAbsolute(shard) || rel.startsWith('..') || isAbsolute(rel)) {
    throw new AligndialError(`${index}: shard "${shard}" must be a file inside ${dir}`);
  }
  return file;
}

function noCheckpoint(dir: string): AligndialError {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    // Listing only improves the message; an unreadable directory still gets the main error.
  }
  const torch = entries.filter((f) => /\.(bin|pt|pth)$/.test(f));
  const otherSafetensors = entries.filter((f) => f.endsWith('.safetensors'));
  let message = `${dir}: no safetensors checkpoint found (looked for ${SINGLE_CHECKPOINT_FILE} and ${SHARDED_CHECKPOINT_INDEX})`;
  if (torch.length > 0) message += `; found ${torch.slice(0, 3).join(', ')}`;
  else if (otherSafetensors.length > 0) message += `; found ${otherSafetensors.slice(0, 3).join(', ')}: pass that file's path instead`;
  message += '. PyTorch .bin checkpoints are not read: convert them to safetensors first.';
  return new AligndialError(message, { hint: CONVERT_HINT });
}
