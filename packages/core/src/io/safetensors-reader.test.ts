import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AligndialError } from '../errors.js';
import type { NativeTypedArray } from './dtype-convert.js';
import type { SafetensorsDtype } from './safetensors-header.js';
import { SafetensorsReader } from './safetensors-reader.js';
import { writeSafetensors } from './safetensors-writer.js';
import { expectAligndialError } from './expect-aligndial-error.test-util.js';

const tmp = mkdtempSync(join(tmpdir(), 'aligndial-st-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const tmpFile = (name = 'x') => join(tmp, `${counter++}-${name}.safetensors`);

/** Writes a file from a raw header (object or exact string) and data bytes, bypassing the writer's checks. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  const path = tmpFile('raw');
  writeFileSync(path, Buffer.concat([prefix, json, data]));
  return path;
}

describe('SafetensorsReader round trip', () => {
  const cases: Array<[SafetensorsDtype, NativeTypedArray, number[]]> = [
    ['F64', new Float64Array([1.5, -2.25, 1e30, 0]), [2, 2]],
    ['F32', new Float32Array([1, -2.5, 3.25, 3e38, -0, 7, 8, 9]), [2, 4]],
    ['F16', new Uint16Array([0x3c00, 0xc100, 0x7bff]), [3]],
    ['BF16', new Uint16Array([0x3f80, 0xc020, 0x4049]), [3, 1]],
    ['I64', new BigInt64Array([-(2n ** 40n), 5n]), [2]],
    ['I32', new Int32Array([-2147483648, 2147483647, 0]), [3]],
    ['I16', new Int16Array([-32768, 32767]), [2]],
    ['I8', new Int8Array([-128, 127, 0]), [3]],
    ['U64', new BigUint64Array([2n ** 63n]), [1]],
    ['U32', new Uint32Array([4294967295]), [1]],
    ['U16', new Uint16Array([65535, 1]), [2]],
    ['U8', new Uint8Array([0, 255, 3]), [3]],
    ['BOOL', new Uint8Array([1, 0, 1, 1]), [2, 2]],
  ];

  it.each(cases)('%s', (dtype, data, shape) => {
    const path = tmpFile(dtype);
    writeSafetensors(path, { t: { dtype, shape, data }, scalar: { dtype: 'F32', shape: [], data: new Float32Array([42]) } });
    const reader = SafetensorsReader.open(path);
    try {
      const info = reader.info('t');
      expect(info).toMatchObject({ name: 't', dtype, shape, byteLength: data.byteLength, file: path });
      const bytes = reader.readBytes('t');
      expect(Buffer.from(bytes).equals(Buffer.from(data.buffer, data.byteOffset, data.byteLength))).toBe(true);
      expect(bytes.byteOffset).toBe(0);
      expect(Array.from(reader.readFloat32('scalar'))).toEqual([42]);
      expect(reader.info('scalar').shape).toEqual([]);
      if (['F64', 'F32', 'F16', 'BF16'].includes(dtype)) {
        const f = reader.readFloat32('t');
        expect(f).toBeInstanceOf(Float32Array);
        expect(f.length).toBe(data.length);
      } else {
        // Only float dtypes are weights: an integer tensor read as floats would load as garbage.
        expectAligndialError(() => reader.readFloat32('t'), new RegExp(`tensor "t": has dtype ${dtype}, but weights must be a float dtype`));
      }
    } finally {
      reader.close();
    }
  });

  it('converts to float32 and int32 with the right values', () => {
    const path = tmpFile('values');
    const values = new Float32Array([1, -2.5, 0.1, 65504]);
    writeSafetensors(path, {
      f16: { dtype: 'F16', shape: [4], data: values },
      bf16: { dtype: 'BF16', shape: [4], data: values },
      f64: { dtype: 'F64', shape: [4], data: values },
      i64: { dtype: 'I64', shape: [3], data: new Int32Array([1, -2, 3]) },
      u8: { dtype: 'U8', shape: [2], data: new Uint8Array([200, 1]) },
    });
    const r = SafetensorsReader.open(path);
    expect(Array.from(r.readFloat32('f16'))).toEqual([1, -2.5, 0.0999755859375, 65504]);
    expect(Array.from(r.readFloat32('bf16'))).toEqual([1, -2.5, 0.10009765625, 65536]);
    expect(Array.from(r.readFloat32('f64'))).toEqual(Array.from(values));
    expect(Array.from(r.readInt32('i64'))).toEqual([1, -2, 3]);
    expect(Array.from(r.readInt32('u8'))).toEqual([200, 1]);
    expectAligndialError(() => r.readInt32('f16'), /tensor "f16": is F16, not an integer dtype/);
    r.close();
  });

  it('reads F32 at an unaligned file offset into an aligned Float32Array', () => {
    // A 1-byte U8 tensor first puts the F32 data at an odd offset in the file.
    const path = tmpFile('unaligned');
    writeSafetensors(path, {
      a: { dtype: 'U8', shape: [1], data: new Uint8Array([9]) },
      b: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) },
    });
    const r = SafetensorsReader.open(path);
    expect(r.info('b').byteOffset % 4).not.toBe(0);
    expect(Array.from(r.readFloat32('b'))).toEqual([1, 2, 3]);
    r.close();
  });

  it('exposes metadata, names, has; missing tensors list available names', () => {
    const path = tmpFile('meta');
    writeSafetensors(
      path,
      { b: { dtype: 'F32', shape: [1], data: new Float32Array([1]) }, a: { dtype: 'F32', shape: [1], data: new Float32Array([2]) } },
      { format: 'pt' },
    );
    const r = SafetensorsReader.open(path);
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(r.names()).toEqual(['a', 'b']);
    expect(r.has('a')).toBe(true);
    expect(r.has('zz')).toBe(false);
    expectAligndialError(() => r.readFloat32('zz'), new RegExp(`${escape(path)}: no tensor named "zz"; available: "a", "b"`));
    r.close();
    r.close();
    expect(() => r.readBytes('a')).toThrow(/closed/);
  });

  it('reads a tensor beyond 2 GiB in a sparse file without loading the file', () => {
    const big = 3 * 2 ** 30;
    const header = {
      big: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
      tail: { dtype: 'F32', shape: [2], data_offsets: [big, big + 8] },
    };
    const path = rawFile(header);
    const fd = openSync(path, 'r+');
    const dataStart = 8 + Buffer.byteLength(JSON.stringify(header));
    ftruncateSync(fd, dataStart + big + 8);
    writeSync(fd, new Uint8Array(new Float32Array([3.5, -1]).buffer), 0, 8, dataStart + big);
    closeSync(fd);
    const r = SafetensorsReader.open(path);
    expect(r.info('tail').byteOffset).toBe(dataStart + big);
    expect(Array.from(r.readFloat32('tail'))).toEqual([3.5, -1]);
    r.close();
    rmSync(path);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('SafetensorsReader on corrupt files', () => {
  const f32 = (n: number) => new Uint8Array(4 * n);

  it('missing file', () => {
    expectAligndialError(() => SafetensorsReader.open(join(tmp, 'nope.safetensors')), /nope\.safetensors: safetensors file not found/);
  });

  it('shorter than 8 bytes', () => {
    const path = tmpFile('short');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    expectAligndialError(() => SafetensorsReader.open(path), /short\.safetensors: not a safetensors file: it is 3 bytes/);
  });

  it('header length over the 100 MB limit', () => {
    const path = rawFile({}, undefined, 2n ** 40n);
    expectAligndialError(() => SafetensorsReader.open(path), /raw\.safetensors: header length 1099511627776 bytes exceeds the 100000000-byte limit/);
  });

  it('header length past the end of the file (truncated header)', () => {
    const path = rawFile({}, undefined, 1000n);
    expectAligndialError(() => SafetensorsReader.open(path), /header length 1000 bytes runs past the end of the 10-byte file/);
  });

  it('bad JSON', () => {
    expectAligndialError(() => SafetensorsReader.open(rawFile('{"a": {')), /raw\.safetensors: safetensors header is not valid JSON/);
    expectAligndialError(() => SafetensorsReader.open(rawFile('[1,2]')), /header must start with "\{"/);
    expectAligndialError(() => SafetensorsReader.open(rawFile('\ufeff{}')), /header starts with a byte-order mark/);
    expectAligndialError(() => SafetensorsReader.open(rawFile('{"a": 1} ')), /tensor "a": header entry must be an object/);
  });

  it('truncated data: offsets outside the data section', () => {
    const path = rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(3));
    expectAligndialError(
      () => SafetensorsReader.open(path),
      /raw\.safetensors: tensor "w": data_offsets \[0, 16\] lie outside the 12-byte data section/,
    );
  });

  it('overlapping tensors', () => {
    const path = rawFile(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      f32(3),
    );
    expectAligndialError(() => SafetensorsReader.open(path), /tensors "a" \[0, 8\) and "b" \[4, 12\) overlap/);
  });

  it('gaps and trailing bytes are rejected, as by the reference reader (a shifted data section misreads every weight)', () => {
    const gap = rawFile(
      { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } },
      new Uint8Array([0, 0, 0, 0, 0, 0, 0x80, 0x3f]),
    );
    expectAligndialError(() => SafetensorsReader.open(gap), /tensor "e" starts at data byte 4 but the previous tensor ends at 0: the data section has a 4-byte gap/);
    const trailing = rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array([0, 0, 0x80, 0x3f, 9]));
    expectAligndialError(() => SafetensorsReader.open(trailing), /1 bytes after the last tensor \(the data section is 5 bytes, the tensors cover 4\)/);
  });

  it('zero-length tensors anywhere in a contiguous layout are fine', () => {
    const path = rawFile(
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } },
      new Uint8Array([0, 0, 0x80, 0x3f]),
    );
    const r = SafetensorsReader.open(path);
    expect(Array.from(r.readFloat32('a'))).toEqual([1]);
    expect(r.readFloat32('e').length).toBe(0);
    r.close();
  });

  it('readWeightBytes keeps F16/BF16 bytes as stored and finds NaN/∞ in them', () => {
    const path = tmpFile('weightbytes');
    writeSafetensors(path, {
      h: { dtype: 'F16', shape: [2], data: new Float32Array([1, -2]) },
      b: { dtype: 'BF16', shape: [3], data: new Float32Array([1, 2, NaN]) },
      n: { dtype: 'BF16', shape: [1], data: new Float32Array([-Infinity]) },
    });
    const r = SafetensorsReader.open(path);
    expect(Array.from(new Uint16Array(r.readWeightBytes('h').buffer))).toEqual([0x3c00, 0xc000]);
    expectAligndialError(() => r.readWeightBytes('b'), /tensor "b": holds NaN at element 2/);
    expectAligndialError(() => r.readWeightBytes('n'), /tensor "n": holds -Infinity at element 0/);
    r.close();
  });

  it('integer dtypes and non-finite values are not weights', () => {
    const path = tmpFile('nonfinite');
    writeSafetensors(path, {
      nan: { dtype: 'F32', shape: [3], data: new Float32Array([1, NaN, 2]) },
      inf: { dtype: 'F16', shape: [2], data: new Float32Array([1, Infinity]) },
      big: { dtype: 'F64', shape: [1], data: new Float64Array([1e300]) },
      ids: { dtype: 'I32', shape: [1], data: new Int32Array([1]) },
    });
    const r = SafetensorsReader.open(path);
    expectAligndialError(() => r.readFloat32('nan'), /tensor "nan": holds NaN at element 1; weights must be finite/);
    expectAligndialError(() => r.readFloat32('inf'), /tensor "inf": holds Infinity at element 1/);
    expectAligndialError(() => r.readFloat32('big'), /tensor "big": holds a value outside the float32 range at element 0/);
    expectAligndialError(() => r.readFloat32('ids'), /tensor "ids": has dtype I32, but weights must be a float dtype/);
    // Loaders that keep 16-bit weights as stored get the same checks on the raw bytes.
    expectAligndialError(() => r.readWeightBytes('inf'), /tensor "inf": holds Infinity at element 1/);
    expectAligndialError(() => r.readWeightBytes('ids'), /has dtype I32, but weights must be a float dtype/);
    expect(Array.from(r.readInt32('ids'))).toEqual([1]);
    r.close();
  });

  it('a directory or a FIFO in place of the file is a clear error, not EISDIR or a hang', () => {
    const dir = join(tmp, 'dir.safetensors');
    mkdirSync(dir);
    expectAligndialError(() => SafetensorsReader.open(dir), /dir\.safetensors: expected a safetensors file, found a directory/);
    const fifo = join(tmp, 'fifo.safetensors');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      expectAligndialError(() => SafetensorsReader.open(fifo), /fifo\.safetensors: expected a safetensors file, found a named pipe/);
    }
  });

  it('a 50k-deep shape or metadata value gives a short message, not a stack overflow', () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const shape = rawFile(`{"w":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`);
    expectAligndialError(() => SafetensorsReader.open(shape), /tensor "w": shape must be an array of non-negative integers, got \[\[\[\[/);
    const meta = rawFile(`{"__metadata__":{"k":${deep}}}`);
    expectAligndialError(() => SafetensorsReader.open(meta), /"__metadata__"\."k" must be a string, got \[\[\[\[/);
  });

  it('byte length that does not match the shape', () => {
    const path = rawFile({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, f32(6));
    expectAligndialError(
      () => SafetensorsReader.open(path),
      /tensor "w": data_offsets \[0, 20\] span 20 bytes but shape \[2,3\] of F32 needs 24 bytes/,
    );
  });

  it('unknown and unsupported dtypes', () => {
    const unknown = rawFile({ w: { dtype: 'Q4_K', shape: [1], data_offsets: [0, 1] } }, f32(1));
    expectAligndialError(() => SafetensorsReader.open(unknown), /tensor "w": unknown dtype "Q4_K"/);
    const f8 = rawFile({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, f32(1));
    expectAligndialError(() => SafetensorsReader.open(f8), /tensor "w": unsupported dtype "F8_E4M3"/);
  });

  it('bad shape, offsets and metadata', () => {
    const shape = rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1));
    expectAligndialError(() => SafetensorsReader.open(shape), /tensor "w": shape must be an array of non-negative integers/);
    const offsets = rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1));
    expectAligndialError(() => SafetensorsReader.open(offsets), /tensor "w": data_offsets must be \[begin, end\]/);
    const meta = rawFile({ __metadata__: { n: 3 } }, f32(1));
    expectAligndialError(() => SafetensorsReader.open(meta), /"__metadata__"."n" must be a string/);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const stories = resolve(here, '../../../../../shared/models/stories260K/model.safetensors');

describe.skipIf(!existsSync(stories))('stories260K model.safetensors (skipped when ../shared is absent)', () => {
  it('reads model.embed_tokens.weight [512, 64] F32', () => {
    const r = SafetensorsReader.open(stories);
    try {
      expect(r.metadata).toEqual({ format: 'pt' });
      expect(r.names()).toHaveLength(47);
      const info = r.info('model.embed_tokens.weight');
      expect(info).toMatchObject({ dtype: 'F32', shape: [512, 64], byteLength: 512 * 64 * 4 });
      const w = r.readFloat32('model.embed_tokens.weight');
      expect(w.length).toBe(512 * 64);
      expect(w[0]).toBeCloseTo(-0.29474878311157227, 7);
      expect(w[1]).toBeCloseTo(0.5618956089019775, 7);
      expect(w.every(Number.isFinite)).toBe(true);
      expect(r.info('model.norm.weight').shape).toEqual([64]);
    } finally {
      r.close();
    }
  });
});

if (!existsSync(stories)) {
  it.skip(`stories260K reader test: ../shared is absent (${stories})`, () => {});
}
