import { tf } from './tf.js';

/** The parts of tfjs-backend-wasm's BackendWasm the meter wraps. */
interface WasmBackendInternals {
  dataIdMap: { has(dataId: object): boolean; get(dataId: object): { memoryOffset: number | null; shape: number[]; dtype: tf.DataType } };
  write(values: unknown, shape: number[], dtype: tf.DataType, ...rest: unknown[]): object;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A running measurement of the memory that tensor buffers hold. */
export interface TensorMemoryMeter {
  /** Bytes held now by the tensor buffers allocated since the meter started. */
  readonly liveBytes: number;
  /** The most bytes that buffers allocated since the start held at once (what a step adds on top of the weights). */
  readonly peakBytes: number;
  /** Whether the figures count real buffers (wasm: each buffer once, however many tensors share it) or tfjs' per-tensor tally. */
  readonly exact: boolean;
  /** Restores the backend; the figures stay readable. */
  stop(): void;
}

const bytesOf = (entry: { memoryOffset: number | null; shape: number[]; dtype: tf.DataType }) =>
  entry.memoryOffset === null ? 0 : tf.util.sizeFromShape(entry.shape) * tf.util.bytesPerElement(entry.dtype as 'float32');

/**
 * Measures the bytes of tensor buffers from now on. On wasm it counts each heap buffer once, when it is
 * allocated and when it is freed — tfjs' own `numBytes` counts every tensor that shares a buffer again
 * (clones, reshapes, the tensors a gradient tape saves), so it overstates real memory several times over
 * during training. On other backends it falls back to that per-tensor tally (`exact: false`), sampled
 * whenever a figure is read (so read `peakBytes` only as a rough figure there).
 */
export function startTensorMemoryMeter(): TensorMemoryMeter {
  const backend = tf.backend() as unknown as Partial<WasmBackendInternals>;
  if (tf.getBackend() !== 'wasm' || !backend.dataIdMap || !backend.write || !backend.disposeData) {
    const start = tf.memory().numBytes;
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, tf.memory().numBytes - start);
    };
    return {
      get liveBytes() {
        sample();
        return tf.memory().numBytes - start;
      },
      get peakBytes() {
        sample();
        return peak;
      },
      exact: false,
      stop: () => {},
    };
  }
  const wasm = backend as WasmBackendInternals;
  const counted = new WeakMap<object, number>();
  let live = 0;
  let peak = 0;
  const write = wasm.write;
  const disposeData = wasm.disposeData;
  wasm.write = function (this: WasmBackendInternals, ...args: Parameters<WasmBackendInternals['write']>) {
    const dataId = write.apply(this, args);
    if (this.dataIdMap.has(dataId)) {
      const bytes = bytesOf(this.dataIdMap.get(dataId));
      counted.set(dataId, bytes);
      live += bytes;
      if (live > peak) peak = live;
    }
    return dataId;
  };
  wasm.disposeData = function (this: WasmBackendInternals, dataId: object, force?: boolean) {
    const freed = disposeData.call(this, dataId, force);
    const bytes = counted.get(dataId);
    if (bytes !== undefined && !this.dataIdMap.has(dataId)) {
      counted.delete(dataId);
      live -= bytes;
    }
    return freed;
  };
  let stopped = false;
  return {
    get liveBytes() {
      return live;
    },
    get peakBytes() {
      return peak;
    },
    exact: true,
    stop: () => {
      if (stopped) return;
      stopped = true;
      wasm.write = write;
      wasm.disposeData = disposeData;
    },
  };
}
