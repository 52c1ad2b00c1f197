import type { ForwardHooks } from './decoder-layer.js';

/**
 * Runs several hooks in order; each sees the previous one's output. Use it to add edits to hooks
 * another package already passes (e.g. CLM).
 */
export function composeHooks(...hooks: (ForwardHooks | undefined)[]): ForwardHooks {
  const list = hooks.filter((h): h is ForwardHooks => h !== undefined);
  return {
    mlpOutput(layer, output) {
      let x = output;
      let changed = false;
      for (const h of list) {
        const y = h.mlpOutput?.(layer, x);
        if (y) {
          x = y;
          changed = true;
        }
      }
      return changed ? x : undefined;
    },
    hiddenState(layer, hidden) {
      let x = hidden;
      let changed = false;
      for (const h of list) {
        const y = h.hiddenState?.(layer, x);
        if (y) {
          x = y;
          changed = true;
        }
      }
      return changed ? x : undefined;
    },
  };
}
