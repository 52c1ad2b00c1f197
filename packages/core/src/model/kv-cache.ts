import { tf } from '../runtime/tf.js';

/**
 * One layer's cached keys and values, both [B, K, C, hd] with C ≥ the cache's `length`: rows at
 * positions ≥ length are spare capacity that one-token decode steps fill in place (see
 * ops/decode-attention.ts). Keeping T as the third axis makes appends contiguous per head.
 */
export interface KVCacheEntry {
  keys: tf.Tensor4D;
  values: tf.Tensor4D;
}

/**
 * Keys and values of the tokens seen so far, one entry per layer of the stack it serves.
 * Tensors in it are kept (outside any tf.tidy) until replaced or disposed.
 */
export class KVCache {
  private entries: (KVCacheEntry | undefined)[] = [];
  /** Number of positions cached. */
  length = 0;

  get(layer: number): KVCacheEntry | undefined {
    return this.entries[layer];
  }

  /** Stores a layer's new keys and values, disposing what they replace. */
  set(layer: number, entry: KVCacheEntry): void {
    const old = this.entries[layer];
    tf.keep(entry.keys);
    tf.keep(entry.values);
    this.entries[layer] = entry;
    if (old) {
      if (old.keys !== entry.keys) old.keys.dispose();
      if (old.values !== entry.values) old.values.dispose();
    }
  }

  /** Records that `tokens` more positions are now cached (call once per forward pass). */
  advance(tokens: number): void {
    this.length += tokens;
  }

  dispose(): void {
    for (const entry of this.entries) {
      entry?.keys.dispose();
      entry?.values.dispose();
    }
    this.entries = [];
    this.length = 0;
  }
}
