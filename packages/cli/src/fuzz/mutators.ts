import type { Rng } from '@aligndial/core';

/** A mutated file: its new bytes, what was done (for the report) and which byte range was touched. */
export interface Mutation {
  bytes: Uint8Array;
  description: string;
  /**
   * For edits that keep the file's length: the byte ranges [start, end) that changed. A tensor whose bytes
   * lie in a changed range may legitimately load with other values; every other tensor of an accepted
   * file must load exactly as in the seed, or the reader misread it ("silent garbage"). Undefined for
   * changes that move bytes (then every tensor must be unchanged).
   */
  changed?: [number, number][];
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];
// JSON.stringify cannot serialize a 50k-deep array (it recurses), so a marker stands for it until `serialize`.
const DEEP = '\u0000deep-50000\u0000';
const deep = (_n: number) => DEEP;

/** JSON text of a mutated document, with the deep-nesting markers expanded. */
export function serialize(doc: unknown, indent?: number): string {
  return JSON.stringify(doc, null, indent).replaceAll(JSON.stringify(DEEP), `${'['.repeat(50_000)}${']'.repeat(50_000)}`);
}

/** Values that have broken loaders: wrong types, out-of-range numbers, deep nesting, coercible strings. */
export function hostileValue(rng: Rng): unknown {
  return pick(rng, [
    0, -1, 1.5, 1e9, 1e308, -1e308, 2 ** 53, 10_000_000, '4', '', 'foo', null, true, [], {}, [0, 0, 0], [3, 1],
    'x'.repeat(10_000), deep(50_000), { a: deep(50_000) },
  ] as const);
}

/** Every path (keys and array indices) to a value in `value`, up to `maxDepth` levels and 2,000 paths. */
function paths(value: unknown, maxDepth = 4, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length >= 2000 || maxDepth === 0 || value === null || typeof value !== 'object') return out;
  const entries = Array.isArray(value) ? value.slice(0, 50).map((v, i) => [i, v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    out.push([...prefix, k]);
    paths(v, maxDepth - 1, [...prefix, k], out);
  }
  return out;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown, remove: boolean): void {
  let target = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) target = target[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(target)) target.splice(last as number, 1);
    else delete target[last];
  } else target[last] = value;
}

/** One structural mutation of a parsed JSON document (in place); returns what it did. */
export function mutateJsonValue(doc: unknown, rng: Rng): string {
  const all = paths(doc);
  if (all.length === 0) return 'no paths';
  const path = pick(rng, all);
  const where = path.join('.');
  const kind = rng.int(10);
  if (kind < 6) {
    const value = hostileValue(rng);
    setAt(doc, path, value, false);
    const shown = value === DEEP ? 'a 50k-deep array' : typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'an array' : 'an object') : JSON.stringify(value).slice(0, 30);
    return `set ${where} to ${shown}`;
  }
  if (kind < 8) {
    setAt(doc, path, undefined, true);
    return `removed ${where}`;
  }
  // Reorder or duplicate an array (layer lists, shapes, offsets).
  let target = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) target = target[k] as Record<string | number, unknown>;
  const value = target[path[path.length - 1]];
  if (Array.isArray(value) && value.length > 0) {
    if (kind === 8) value.reverse();
    else value.push(value[0]);
    return `${kind === 8 ? 'reversed' : 'duplicated an element of'} ${where}`;
  }
  setAt(doc, path, deep(50_000), false);
  return `set ${where} to a 50k-deep array`;
}

/** Byte-level damage to any file: bit flips, truncation, insertion, appended bytes, invalid UTF-8, a BOM. */
export function mutateBytes(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; description: string; changed?: [number, number][] } {
  const n = bytes.length;
  const kind = rng.int(7);
  const at = rng.int(Math.max(n, 1));
  switch (kind) {
    case 0: {
      const out = bytes.slice();
      const flips = 1 + rng.int(8);
      const changed: [number, number][] = [];
      for (let i = 0; i < flips; i++) {
        const p = rng.int(Math.max(n, 1));
        out[p] ^= 1 << rng.int(8);
        changed.push([p, p + 1]);
      }
      return { bytes: out, description: `flipped ${flips} bit(s) at ${changed.map(([p]) => p).join(', ')}`, changed };
    }
    case 1:
      return { bytes: bytes.slice(0, at), description: `truncated to ${at} bytes` };
    case 2: {
      const extra = randomBytes(rng, 1 + rng.int(64));
      return { bytes: concat(bytes.subarray(0, at), extra, bytes.subarray(at)), description: `inserted ${extra.length} bytes at ${at}` };
    }
    case 3: {
      const extra = randomBytes(rng, 1 + rng.int(64));
      return { bytes: concat(bytes, extra), description: `appended ${extra.length} bytes` };
    }
    case 4: {
      const bad = pick(rng, [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]]);
      return { bytes: concat(bytes.subarray(0, at), new Uint8Array(bad), bytes.subarray(at)), description: `inserted invalid UTF-8 at ${at}` };
    }
    case 5:
      return { bytes: concat(new Uint8Array([0xef, 0xbb, 0xbf]), bytes), description: 'prepended a BOM' };
    default: {
      const out = bytes.slice();
      const len = Math.min(1 + rng.int(16), n - at);
      out.set(randomBytes(rng, len), at);
      return { bytes: out, description: `overwrote ${len} bytes at ${at}`, changed: [[at, at + len]] };
    }
  }
}

/** A mutation of a JSON text file: structural (parse, mutate, re-serialize) or byte-level. */
export function mutateJsonFile(bytes: Uint8Array, rng: Rng): Mutation {
  if (rng.int(3) > 0) {
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    const description = mutateJsonValue(doc, rng);
    return { bytes: new TextEncoder().encode(serialize(doc)), description };
  }
  return mutateBytes(bytes, rng);
}

/** A mutation of a safetensors file: header-aware (retype, reshape, shift, length) or byte-level. */
export function mutateSafetensors(bytes: Uint8Array, rng: Rng): Mutation {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const dataStart = 8 + headerLength;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart))) as Record<string, Record<string, unknown>>;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const data = bytes.subarray(dataStart);
  const rebuild = (h: unknown, body: Uint8Array = data, lengthDelta = 0) => {
    const json = new TextEncoder().encode(serialize(h));
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length + lengthDelta), true);
    return concat(prefix, json, body);
  };
  const kind = rng.int(9);
  const name = pick(rng, names);
  switch (kind) {
    case 0: {
      const dtype = pick(rng, ['I32', 'U32', 'I16', 'U8', 'BOOL', 'I64', 'F16', 'BF16', 'F64', 'F8_E4M3', 'Q4']);
      header[name] = { ...header[name], dtype };
      return { bytes: rebuild(header), description: `retyped "${name}" as ${dtype}` };
    }
    case 1: {
      const delta = pick(rng, [-8, -1, 1, 8, 2 ** 20, -headerLength]);
      return { bytes: rebuild(header, data, delta), description: `header length off by ${delta}` };
    }
    case 2: {
      const extra = randomBytes(rng, 1 + rng.int(16));
      return { bytes: rebuild(header, concat(extra, data)), description: `inserted ${extra.length} bytes after the header` };
    }
    case 3: {
      const doc = structuredClone(header) as unknown;
      const description = mutateJsonValue(doc, rng);
      return { bytes: rebuild(doc), description: `header: ${description}` };
    }
    case 4: {
      // NaN/∞ written into a float32 tensor's data.
      const entry = header[name];
      const [begin, end] = entry.data_offsets as [number, number];
      const out = bytes.slice();
      if (entry.dtype === 'F32' && end - begin >= 4) {
        const p = dataStart + begin + 4 * rng.int((end - begin) / 4);
        new DataView(out.buffer).setFloat32(p, pick(rng, [Number.NaN, Infinity, -Infinity]), true);
        return { bytes: out, description: `NaN/∞ in "${name}"`, changed: [[p, p + 4]] };
      }
      return { bytes: out, description: 'unchanged', changed: [] };
    }
    default:
      return mutateBytes(bytes, rng);
  }
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * A mutation of a preference file (JSONL or JSON array): a row made hostile (wrong types, empty or huge
 * answers, unknown roles, deep nesting), invalid UTF-8 inside a row, or byte-level damage.
 */
export function mutatePreferenceFile(bytes: Uint8Array, rng: Rng, jsonl: boolean): Mutation {
  const text = new TextDecoder().decode(bytes);
  const kind = rng.int(5);
  if (kind === 0) return mutateBytes(bytes, rng);
  const rows: unknown[] = jsonl ? text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)) : (JSON.parse(text) as unknown[]);
  const i = rng.int(rows.length);
  let description: string;
  if (kind === 1) description = `row ${i}: ${mutateJsonValue(rows[i], rng)}`;
  else if (kind === 2) {
    const row = rows[i] as Record<string, unknown>;
    const field = pick(rng, ['chosen', 'rejected', 'prompt']);
    const big = pick(rng, ['y'.repeat(2_000_000), 'word '.repeat(400_000), '', '   ', '\u0000', '😀'.repeat(100_000)]);
    row[field] = typeof row[field] === 'string' ? big : [{ role: field === 'prompt' ? 'user' : 'assistant', content: big }];
    description = `row ${i}: "${field}" set to ${big.length} chars`;
  } else if (kind === 3) {
    const row = rows[i] as Record<string, unknown>;
    row[pick(rng, ['conversations', 'chosen'])] = [{ role: pick(rng, ['constructor', '__proto__', 'wizard', 'toString']), content: 'x' }];
    description = `row ${i}: unknown role`;
  } else {
    const encoded = new TextEncoder().encode(jsonl ? rows.map((r) => serialize(r)).join('\n') : serialize(rows, 1));
    const m = mutateBytes(encoded, rng);
    return { bytes: m.bytes, description: `re-serialized, then ${m.description}` };
  }
  const out = jsonl ? `${rows.map((r) => serialize(r)).join('\n')}\n` : serialize(rows, 1);
  return { bytes: new TextEncoder().encode(out), description };
}
