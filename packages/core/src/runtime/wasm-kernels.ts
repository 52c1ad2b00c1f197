import { tf } from './tf.js';

/** The parts of tfjs-backend-wasm's BackendWasm that JS kernels need. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * tfjs-backend-wasm 4.22 has no `UnsortedSegmentSum` kernel, and the gradient of `gather`
 * (embedding lookup) needs it. This JS kernel works on the wasm heap directly.
 */
function unsortedSegmentSumWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const backend = args.backend as WasmBackendLike;
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const inner = tf.util.sizeFromShape(x.shape) / Math.max(rows, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views are taken after makeOutput: allocating may grow (and move) the wasm heap.
  const outValues = backend.typedArrayFromHeap(out);
  const xValues = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  outValues.fill(0);
  for (let r = 0; r < rows; r++) {
    const segment = ids[r];
    if (segment < 0 || segment >= numSegments) continue; // tf semantics: out-of-range ids are dropped
    const src = r * inner;
    const dst = segment * inner;
    for (let i = 0; i < inner; i++) outValues[dst + i] += xValues[src + i];
  }
  return out;
}

/**
 * tfjs-backend-wasm's Identity copies the tensor. The engine clones every tensor a gradient function
 * saves (through Identity), so on wasm each saved activation existed twice during training. Tensors are
 * immutable, so the clone can share the memory (as Reshape does); the one kernel that writes into an
 * input (decode attention's KV cache) only does so into cache buffers it allocated itself.
 */
function identityAliasWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let registered = false;

/** Registers aligndial's JS kernels for the wasm backend (idempotent). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as tf.KernelFunc });
  }
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityAliasWasm as tf.KernelFunc });
}
