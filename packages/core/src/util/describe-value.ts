/**
 * A short, safe rendering of a user-supplied JSON value for an error message. JSON.stringify recurses,
 * so a hostile 50k-deep array would overflow the stack while *building the error*; this walks at most
 * a few levels and a bounded number of characters.
 * @param value - Any value parsed from a file or request.
 * @param maxChars - Longest rendering; longer ones end with "…".
 */
export function describeValue(value: unknown, maxChars = 80): string {
  const out = render(value, 4, maxChars + 1);
  return out.length > maxChars ? `${out.slice(0, maxChars - 1)}…` : out;
}

function render(value: unknown, depth: number, budget: number): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > budget ? value.slice(0, budget) : value);
  if (typeof value !== 'object') return typeof value;
  if (depth === 0) return Array.isArray(value) ? '[…]' : '{…}';
  const parts: string[] = [];
  let used = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (used > budget) break;
      const s = render(item, depth - 1, budget - used);
      parts.push(s);
      used += s.length + 1;
    }
    const more = parts.length < value.length ? ',…' : '';
    return `[${parts.join(',')}${more}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [key, item] of entries) {
    if (used > budget) break;
    const s = `${JSON.stringify(key.slice(0, budget))}:${render(item, depth - 1, budget - used)}`;
    parts.push(s);
    used += s.length + 1;
  }
  const more = parts.length < entries.length ? ',…' : '';
  return `{${parts.join(',')}${more}}`;
}
