import { JS_KERNEL_BACKENDS } from '../runtime/js-kernel.js';
import { tf } from '../runtime/tf.js';

/** Whether the active tfjs backend can run engine-held weights (its tensors are addressable from JS). */
export function engineAvailable(): boolean {
  return (JS_KERNEL_BACKENDS as readonly string[]).includes(tf.getBackend());
}
