/**
 * Cuts text to at most `maxChars` UTF-16 code units before tokenizing, never splitting a surrogate
 * pair. `keep: 'start'` keeps the beginning (completions, which are truncated at their end);
 * `keep: 'end'` keeps the end (prompts, which are truncated from the left).
 */
export function cutText(text: string, maxChars: number, keep: 'start' | 'end'): string {
  if (text.length <= maxChars) return text;
  if (keep === 'start') {
    let end = maxChars;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose pair was cut off
    return text.slice(0, end);
  }
  let start = text.length - maxChars;
  const first = text.charCodeAt(start);
  if (first >= 0xdc00 && first <= 0xdfff) start++; // a low surrogate whose pair was cut off
  return text.slice(start);
}
