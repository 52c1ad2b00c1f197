/**
 * 32-bit FNV-1a hash of a string (UTF-16 code units): the one string hash for deterministic
 * per-item choices and for turning string seeds into {@link Rng} seeds. Identical on every platform.
 */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
