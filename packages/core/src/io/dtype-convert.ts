/**
 * Conversions between float32 and the 16-bit float formats (IEEE half = F16, bfloat16 = BF16),
 * on raw bit patterns held in Uint16Array. float32 → 16-bit rounds to nearest, ties to even.
 * Also turns a tensor's raw bytes into typed arrays.
 */
import { AligndialError } from '../errors.js';
import { DTYPE_BYTE_SIZE, type SafetensorsDtype } from './safetensors-header.js';

/** A typed array in a safetensors dtype's native element type. */
export type NativeTypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

// Safetensors data is little-endian and typed arrays use the host's byte order; every platform
// Node ships for in practice is little-endian, so we check once instead of byte-swapping everywhere.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Throws when the host is big-endian, where reinterpreting file bytes as typed arrays would be wrong. */
export function assertLittleEndianHost(): void {
  if (!HOST_LITTLE_ENDIAN) throw new Error('aligndial safetensors I/O requires a little-endian host');
}

// f16 → f32 is a pure function of 16 bits, so a 256 KiB table of float32 bit patterns is both exact
// (NaN payloads and -0 survive) and the fastest loop; built on first use.
let f16Table: Uint32Array | undefined;

function buildF16Table(): Uint32Array {
  const table = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    let mant = h & 0x3ff;
    let bits: number;
    if (exp === 0x1f) {
      bits = sign | 0x7f800000 | (mant << 13);
    } else if (exp !== 0) {
      bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant === 0) {
      bits = sign;
    } else {
      // Subnormal half: normalise the mantissa into float32's implicit-1 form.
      let e = 113;
      while ((mant & 0x400) === 0) {
        mant <<= 1;
        e--;
      }
      bits = sign | (e << 23) | ((mant & 0x3ff) << 13);
    }
    table[h] = bits >>> 0;
  }
  return table;
}

/**
 * Converts IEEE half-precision bit patterns to float32 (exact).
 * @param src - F16 bit patterns.
 * @param out - Optional destination of the same length.
 */
export function f16ToF32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  const table = (f16Table ??= buildF16Table());
  const out32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) out32[i] = table[src[i]];
  return out;
}

/**
 * Converts bfloat16 bit patterns to float32 (exact: bf16 is the top half of a float32).
 * @param src - BF16 bit patterns.
 * @param out - Optional destination of the same length.
 */
export function bf16ToF32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  const out32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) out32[i] = src[i] << 16;
  return out;
}

function halfFromFloatBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Keep NaN a (quiet) NaN even when its payload lives only in the dropped low bits.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Result is subnormal or zero; below half the smallest subnormal (2^-25) it rounds to ±0.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) !== 0)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, and past the max it lands on Inf, as RNE requires.
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) !== 0)) half++;
  return half;
}

function bf16FromFloatBits(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff; // quiet NaN, never rounds to Inf
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Converts float32 values to IEEE half bit patterns, rounding to nearest even;
 * overflow gives ±Inf, tiny values become subnormals or ±0, NaN stays NaN.
 * @param src - Values to convert.
 * @param out - Optional destination of the same length.
 */
export function f32ToF16(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfFromFloatBits(bits[i]);
  return out;
}

/**
 * Converts float32 values to bfloat16 bit patterns, rounding to nearest even; NaN stays NaN.
 * @param src - Values to convert.
 * @param out - Optional destination of the same length.
 */
export function f32ToBf16(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = bf16FromFloatBits(bits[i]);
  return out;
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** Converts one number to its F16 bit pattern (via float32, like `f32ToF16`). */
export function float32ToF16Bits(value: number): number {
  scratchF32[0] = value;
  return halfFromFloatBits(scratchU32[0]);
}

/** Converts one number to its BF16 bit pattern (via float32, like `f32ToBf16`). */
export function float32ToBf16Bits(value: number): number {
  scratchF32[0] = value;
  return bf16FromFloatBits(scratchU32[0]);
}

/** Converts one F16 bit pattern to a number. */
export function f16BitsToNumber(bits: number): number {
  scratchU32[0] = (f16Table ??= buildF16Table())[bits & 0xffff];
  return scratchF32[0];
}

/** Converts one BF16 bit pattern to a number. */
export function bf16BitsToNumber(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

/**
 * Typed-array view of a tensor's raw little-endian bytes in its native element type.
 * `bytes` must start at an offset aligned for the element size (fresh buffers from the readers are).
 * @param bytes - The tensor's bytes.
 * @param dtype - Its safetensors dtype.
 */
export function viewAsNative(bytes: Uint8Array, dtype: SafetensorsDtype): NativeTypedArray {
  assertLittleEndianHost();
  const { buffer, byteOffset } = bytes;
  const n = bytes.byteLength / DTYPE_BYTE_SIZE[dtype];
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer, byteOffset, n);
    case 'F32':
      return new Float32Array(buffer, byteOffset, n);
    case 'F16':
    case 'BF16':
    case 'U16':
      return new Uint16Array(buffer, byteOffset, n);
    case 'I64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'U64':
      return new BigUint64Array(buffer, byteOffset, n);
    case 'I32':
      return new Int32Array(buffer, byteOffset, n);
    case 'U32':
      return new Uint32Array(buffer, byteOffset, n);
    case 'I16':
      return new Int16Array(buffer, byteOffset, n);
    case 'I8':
      return new Int8Array(buffer, byteOffset, n);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer, byteOffset, n);
  }
}

/**
 * Converts a tensor's raw bytes of any supported dtype to float32 (F32 is returned as a view, not a copy;
 * 64-bit integers beyond 2^53 lose precision, as any float32 conversion must).
 * @param bytes - The tensor's bytes, aligned for its element size.
 * @param dtype - Its safetensors dtype.
 */
export function bytesToFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const native = viewAsNative(bytes, dtype);
  if (dtype === 'F32') return native as Float32Array;
  if (dtype === 'F16') return f16ToF32(native as Uint16Array);
  if (dtype === 'BF16') return bf16ToF32(native as Uint16Array);
  if (native instanceof BigInt64Array || native instanceof BigUint64Array) {
    const out = new Float32Array(native.length);
    for (let i = 0; i < native.length; i++) out[i] = Number(native[i]);
    return out;
  }
  return Float32Array.from(native as Exclude<NativeTypedArray, BigInt64Array | BigUint64Array>);
}

/**
 * Converts a tensor's raw bytes of an integer (or BOOL) dtype to int32 (I32 is returned as a view).
 * @param bytes - The tensor's bytes, aligned for its element size.
 * @param dtype - Its safetensors dtype.
 * @param label - Names the file and tensor in error messages.
 * @throws AligndialError for float dtypes, or a value outside the int32 range.
 */
export function bytesToInt32(bytes: Uint8Array, dtype: SafetensorsDtype, label: string): Int32Array {
  if (dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16') {
    throw new AligndialError(`${label}: is ${dtype}, not an integer dtype; read it with readFloat32`);
  }
  const native = viewAsNative(bytes, dtype);
  if (native instanceof Int32Array) return native;
  const out = new Int32Array(native.length);
  for (let i = 0; i < native.length; i++) {
    const v = Number(native[i]);
    if (v > 2147483647 || v < -2147483648) {
      throw new AligndialError(`${label}: ${dtype} value ${native[i]} at index ${i} does not fit in int32`);
    }
    out[i] = v;
  }
  return out;
}

/** The dtypes that hold weights; an integer tensor read as weights would load as garbage. */
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/**
 * Converts a tensor's raw bytes to float32 *weights*: the dtype must be a float type, and every value
 * must be finite after conversion (F64 beyond the float32 range becomes ±∞ and is refused too), since one
 * NaN or ∞ in a weight turns every logit into NaN.
 * @param label - Names the file and tensor in error messages.
 * @throws AligndialError for an integer/BOOL dtype or a non-finite value (naming its index).
 */
export function bytesToWeights(bytes: Uint8Array, dtype: SafetensorsDtype, label: string): Float32Array {
  if (!FLOAT_DTYPES.includes(dtype)) {
    throw new AligndialError(`${label}: has dtype ${dtype}, but weights must be a float dtype (${FLOAT_DTYPES.join(', ')})`);
  }
  const out = bytesToFloat32(bytes, dtype);
  const bad = firstNonFinite(out);
  if (bad >= 0) {
    const what = Number.isNaN(out[bad]) ? 'NaN' : dtype === 'F64' && Number.isFinite(new Float64Array(bytes.buffer, bytes.byteOffset, out.length)[bad]) ? 'a value outside the float32 range' : String(out[bad]);
    throw new AligndialError(`${label}: holds ${what} at element ${bad}; weights must be finite (corrupt or diverged checkpoint)`);
  }
  return out;
}

/**
 * Checks a float tensor's raw bytes without converting them (for loaders that keep F16/BF16 as stored):
 * the dtype must be a float type and no element may be NaN/±∞ (all exponent bits set).
 * @throws AligndialError naming `label` and the first bad element, as {@link bytesToWeights} does.
 */
export function assertWeightBytes(bytes: Uint8Array, dtype: SafetensorsDtype, label: string): void {
  if (dtype === 'F32' || dtype === 'F64') {
    bytesToWeights(bytes, dtype, label);
    return;
  }
  if (dtype !== 'F16' && dtype !== 'BF16') {
    throw new AligndialError(`${label}: has dtype ${dtype}, but weights must be a float dtype (${FLOAT_DTYPES.join(', ')})`);
  }
  const bits = viewAsNative(bytes, dtype) as Uint16Array;
  const exponent = dtype === 'F16' ? 0x7c00 : 0x7f80;
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & exponent) === exponent) {
      const what = (bits[i] & (dtype === 'F16' ? 0x03ff : 0x007f)) !== 0 ? 'NaN' : bits[i] & 0x8000 ? '-Infinity' : 'Infinity';
      throw new AligndialError(`${label}: holds ${what} at element ${i}; weights must be finite (corrupt or diverged checkpoint)`);
    }
  }
}

/** Index of the first NaN/±∞ in `data`, or −1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    // x − x is 0 for finite x and NaN for NaN/±∞: one comparison per element.
    if (data[i] - data[i] !== 0) return i;
  }
  return -1;
}
