import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { AligndialError } from '../errors.js';
import { assertLittleEndianHost, assertWeightBytes, bytesToInt32, bytesToWeights } from './dtype-convert.js';
import { assertRegularFile } from './regular-file.js';
import {
  parseSafetensorsHeader,
  readHeaderLength,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from './safetensors-header.js';

/** Where one tensor lives and what it holds. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Absolute byte offset of the tensor's data in `file`. */
  readonly byteOffset: number;
  readonly byteLength: number;
  /** The safetensors file holding the tensor. */
  readonly file: string;
}

// readSync caps one call at 2^31-1 bytes; stay well under it.
const READ_CHUNK = 1 << 30;

/**
 * Reads tensors from one safetensors file with positional reads, one tensor at a time, so files of any
 * size work (Node has no mmap, and readFileSync refuses files over 2 GiB). Holds a file descriptor
 * until `close()`.
 */
export class SafetensorsReader {
  /** Path of the file, as given to `open`. */
  readonly path: string;
  /** The file's `__metadata__` map (`{}` when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  private fd: number | undefined;
  private readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  private readonly dataStart: number;
  /** Bytes in the data section (the tensors tile it exactly). */
  readonly dataBytes: number;

  private constructor(path: string, fd: number, metadata: Record<string, string>, entries: readonly SafetensorsEntry[], dataStart: number, dataBytes: number) {
    this.path = path;
    this.dataBytes = dataBytes;
    this.fd = fd;
    this.metadata = metadata;
    this.entries = new Map(entries.map((e) => [e.name, e]));
    this.dataStart = dataStart;
  }

  /**
   * Opens a safetensors file and validates its header (not the tensor data).
   * @throws AligndialError when the file is missing, unreadable, truncated or has an invalid header.
   */
  static open(path: string): SafetensorsReader {
    assertLittleEndianHost();
    assertRegularFile(path, 'safetensors file');
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
      throw new AligndialError(`${path}: cannot open safetensors file (${why})`, { cause: error });
    }
    try {
      const size = fstatSync(fd).size;
      const headerLength = readHeaderLength(readAt(fd, path, 0, Math.min(8, size)), size, path);
      const dataStart = 8 + headerLength;
      const header = parseSafetensorsHeader(readAt(fd, path, 8, headerLength), size - dataStart, path);
      return new SafetensorsReader(path, fd, { ...header.metadata }, header.entries, dataStart, size - dataStart);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Tensor names in data-section order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Whether the file holds a tensor called `name`. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * Describes one tensor.
   * @throws AligndialError naming the file and some available tensors when `name` is absent.
   */
  info(name: string): TensorInfo {
    const e = this.entry(name);
    return {
      name,
      dtype: e.dtype,
      shape: e.shape.slice(),
      byteOffset: this.dataStart + e.begin,
      byteLength: e.end - e.begin,
      file: this.path,
    };
  }

  /**
   * Reads exactly one tensor's bytes into a fresh buffer (offset 0, so any typed-array view is aligned).
   * @throws AligndialError when the tensor is absent or the file is shorter than its header says.
   */
  readBytes(name: string): Uint8Array {
    const e = this.entry(name);
    return readAt(this.openFd(), this.path, this.dataStart + e.begin, e.end - e.begin, name);
  }

  /**
   * Reads a float tensor (F32, F16, BF16 or F64) as float32 weights.
   * @throws AligndialError when the tensor is absent, has an integer dtype, or holds NaN/±∞.
   */
  readFloat32(name: string): Float32Array {
    return bytesToWeights(this.readBytes(name), this.entry(name).dtype, `${this.path}: tensor "${name}"`);
  }

  /**
   * Reads a float tensor's bytes as stored (F16/BF16 stay 16-bit), checked as {@link readFloat32} checks:
   * a float dtype and finite values. For loaders that keep weights in their stored precision.
   * @throws AligndialError when the tensor is absent, has an integer dtype, or holds NaN/±∞.
   */
  readWeightBytes(name: string): Uint8Array {
    const bytes = this.readBytes(name);
    assertWeightBytes(bytes, this.entry(name).dtype, `${this.path}: tensor "${name}"`);
    return bytes;
  }

  /**
   * Reads an integer (or BOOL) tensor as int32.
   * @throws AligndialError when the tensor is absent, is a float dtype, or holds values outside int32.
   */
  readInt32(name: string): Int32Array {
    return bytesToInt32(this.readBytes(name), this.entry(name).dtype, `${this.path}: tensor "${name}"`);
  }

  /** Releases the file descriptor; later reads throw. Safe to call twice. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private entry(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (!e) throw tensorNotFound(this.path, name, this.names());
    return e;
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`SafetensorsReader for ${this.path} is closed`);
    return this.fd;
  }
}

/**
 * The error for a tensor name that is not in a file or checkpoint; lists a few names that are.
 * @internal Shared with the checkpoint reader.
 */
export function tensorNotFound(where: string, name: string, available: readonly string[]): AligndialError {
  const shown = available.slice(0, 5).map((n) => `"${n}"`).join(', ');
  const more = available.length > 5 ? `, … (${available.length} in all)` : '';
  return new AligndialError(
    `${where}: no tensor named "${name}"; available: ${available.length === 0 ? '(none)' : shown + more}`,
  );
}

function readAt(fd: number, file: string, position: number, length: number, tensor?: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = new Uint8Array(length);
  } catch (error) {
    throw new AligndialError(`${file}: tensor "${tensor}" (${length} bytes) is too large to read into one buffer`, {
      cause: error,
    });
  }
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, Math.min(length - done, READ_CHUNK), position + done);
    if (n === 0) {
      const what = tensor === undefined ? 'the header' : `tensor "${tensor}"`;
      throw new AligndialError(`${file}: unexpected end of file at byte ${position + done} while reading ${what} (truncated?)`);
    }
    done += n;
  }
  return out;
}
