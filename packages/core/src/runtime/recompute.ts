import { tf } from './tf.js';

/** The parts of tfjs' engine state this module reads (not in tfjs' public typings). */
interface TapeNode {
  inputs: Record<string, tf.Tensor | undefined>;
  outputs: tf.Tensor[];
}
interface EngineInternals {
  state: { gradientDepth: number; kernelDepth: number; activeTape: TapeNode[] | null };
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
}

function engine(): EngineInternals {
  return tf.engine() as unknown as EngineInternals;
}

/** Whether a gradient tape is recording now (inside `tf.grads`/`variableGrads`, outside a kernel). */
export function isRecordingGradients(): boolean {
  const { state } = engine();
  return state.gradientDepth > 0 && state.kernelDepth === 0 && state.activeTape !== null;
}

const isTrainableVariable = (t: tf.Tensor | undefined): boolean => t instanceof tf.Variable && t.trainable;

/**
 * For each of `tensors`: whether it depends, through the ops on the active tape, on a trainable
 * variable (what `variableGrads` differentiates; `computeGradients` marks exactly its variables so).
 * A tensor that does not needs no gradient. One pass over the tape: with checkpointed layers it holds
 * a few nodes per layer.
 */
export function dependsOnTrainable(tensors: readonly tf.Tensor[]): boolean[] {
  const tape = engine().state.activeTape ?? [];
  const derived = new Set<number>();
  for (const node of tape) {
    const inputs = Object.values(node.inputs);
    if (inputs.some((t) => t !== undefined && (derived.has(t.id) || isTrainableVariable(t)))) {
      for (const out of node.outputs) derived.add(out.id);
    }
  }
  return tensors.map((t) => isTrainableVariable(t) || derived.has(t.id));
}

/**
 * Runs `fn(...inputs)` so that the backward pass keeps only `inputs` (no intermediate activation):
 * the gradient recomputes `fn` from them and differentiates that (activation checkpointing).
 * Gradients flow to the inputs that depend on a trainable variable and to the trainable ones among
 * `variables` (the weights `fn` reads); frozen weights get none, and an input nothing trainable feeds
 * gets none. Outside a gradient tape it is just `fn(...inputs)`.
 *
 * `fn` must be deterministic and read tensors only from its arguments and from `variables` (or other
 * long-lived tensors): anything else it captures may be disposed before the backward pass runs.
 */
export function recomputeInBackward(fn: (...inputs: tf.Tensor[]) => tf.Tensor, inputs: readonly tf.Tensor[], variables: readonly tf.Variable[]): tf.Tensor {
  if (!isRecordingGradients()) return fn(...inputs);
  const trainable = variables.filter((v) => v.trainable);
  const inputNeedsGrad = dependsOnTrainable(inputs);
  const n = inputs.length;
  const custom = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const ins = args.slice(0, n) as tf.Tensor[];
    save(ins);
    return {
      value: fn(...ins),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const xs = [...saved.filter((_, i) => inputNeedsGrad[i]), ...trainable];
        const e = engine();
        // A nested `gradients` call starts (and at its end frees) its own tape in place of the outer
        // one, which the outer backward pass still needs: put it back afterwards.
        const outerTape = e.state.activeTape;
        let grads: (tf.Tensor | undefined)[];
        try {
          const result = e.gradients(() => fn(...saved), xs, dy as tf.Tensor, true);
          result.value.dispose();
          grads = result.grads;
        } finally {
          e.state.activeTape = outerTape;
        }
        let k = 0;
        // customGrad wants a tensor per input; inputs needing none get zeros that the (pruned) outer
        // backward pass never reads.
        const forInputs = saved.map((t, i) => (inputNeedsGrad[i] ? (grads[k++] ?? tf.zerosLike(t)) : tf.zerosLike(t)));
        const forVariables = trainable.map((v) => grads[k++] ?? tf.zerosLike(v));
        return [...forInputs, ...forVariables];
      },
    };
  });
  return custom(...inputs, ...trainable);
}

/** Runs `fn` with the model's `gradientCheckpointing` set to `on`, then restores the previous setting. */
export function withCheckpointing<T>(model: { gradientCheckpointing: boolean }, on: boolean, fn: () => T): T {
  const previous = model.gradientCheckpointing;
  model.gradientCheckpointing = on;
  try {
    return fn();
  } finally {
    model.gradientCheckpointing = previous;
  }
}
