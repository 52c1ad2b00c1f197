import { AligndialError, type ModelConfig, type Transformer, parameterSizes, type tf } from '@aligndial/core';

/**
 * Which parameters train:
 * - `all`: every parameter;
 * - `bottom:K` / `top:K`: every parameter of the first / last K decoder layers (embeddings, final
 *   norm and LM head stay frozen);
 * - a list of names from `model.parameters()` (`layers.0.wqkv`, `embed`, …); a name ending in `.*`
 *   (or a bare layer prefix like `layers.0`) selects every parameter under it.
 * Everything else is frozen: it gets no gradient and no optimizer state.
 */
export type TrainableSpec = 'all' | `bottom:${number}` | `top:${number}` | readonly string[];

/** Parses `all`, `bottom:K`, `top:K` or a comma-separated list of names (the CLI's `--trainable`). */
export function parseTrainableSpec(text: string): TrainableSpec {
  const t = text.trim();
  if (t === 'all' || /^(bottom|top):\d+$/.test(t)) return t as TrainableSpec;
  const names = t.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new AligndialError(`--trainable "${text}" selects nothing (use all, bottom:K, top:K or parameter names)`);
  return names;
}

function layerRange(spec: string, numLayers: number): number[] {
  const [side, k] = spec.split(':');
  const K = Number(k);
  if (!(Number.isInteger(K) && K >= 1 && K <= numLayers)) {
    throw new AligndialError(`trainable "${spec}": K must be between 1 and the number of decoder layers (${numLayers})`);
  }
  return side === 'bottom' ? Array.from({ length: K }, (_, i) => i) : Array.from({ length: K }, (_, i) => numLayers - K + i);
}

/**
 * The trainable variables of `model` for `spec`, by name, in `model.parameters()` order.
 * @throws AligndialError for an unknown name or a K out of range.
 */
export function selectTrainable(
  model: Pick<Transformer, 'parameters' | 'layers'> & Partial<Pick<Transformer, 'engineMatrices' | 'thaw'>>,
  spec: TrainableSpec = 'all',
): Map<string, tf.Variable> {
  // Frozen matrices held by the matmul engine are selectable too: the selected ones are thawed
  // into tfjs Variables (trainable weights are always tfjs Variables).
  const engineNames = [...(model.engineMatrices?.() ?? new Map()).keys()];
  const names = new Set([...model.parameters().keys(), ...engineNames]);
  const selected = selectNames(names, model.layers.length, spec);
  const thaw = engineNames.filter((n) => selected.has(n));
  if (thaw.length > 0) model.thaw?.(thaw);
  return new Map([...model.parameters()].filter(([name]) => selected.has(name)));
}

function selectNames(names: Set<string>, numLayers: number, spec: TrainableSpec): Set<string> {
  const params = new Map([...names].map((n) => [n, n]));
  const pick = (keep: (name: string) => boolean) => new Set([...params.keys()].filter((name) => keep(name)));
  if (spec === 'all') return pick(() => true);
  if (typeof spec === 'string') {
    if (!/^(bottom|top):\d+$/.test(spec)) throw new AligndialError(`trainable "${spec}" is not one of: all, bottom:K, top:K, or a list of names`);
    const layers = new Set(layerRange(spec, numLayers).map((i) => `layers.${i}.`));
    return pick((name) => [...layers].some((prefix) => name.startsWith(prefix)));
  }
  const selected = new Set<string>();
  for (const raw of spec) {
    const prefix = raw.endsWith('.*') ? raw.slice(0, -1) : `${raw}.`;
    const matches = [...params.keys()].filter((name) => name === raw || name.startsWith(prefix));
    if (matches.length === 0) {
      const sample = [...params.keys()].slice(0, 6).join(', ');
      throw new AligndialError(`trainable parameter "${raw}" is not in the model (names look like: ${sample}, …)`);
    }
    for (const m of matches) selected.add(m);
  }
  return pick((name) => selected.has(name));
}

/**
 * What `spec` selects of a model with this config, before any weight is read (for the memory plan):
 * the trainable parameter count and whether the embedding is among them.
 */
export function trainableFromConfig(config: ModelConfig, spec: TrainableSpec = 'all'): { parameters: number; trainsEmbedding: boolean } {
  const sizes = parameterSizes(config);
  const stub = { parameters: () => new Map([...sizes].map(([name, size]) => [name, { size } as unknown as tf.Variable])), layers: { length: config.numLayers } as Transformer['layers'] };
  const selected = selectTrainable(stub, spec);
  return { parameters: [...selected.values()].reduce((n, v) => n + v.size, 0), trainsEmbedding: selected.has('embed') };
}
