/** One command of a documentation example, where it came from, as a user would type it. */
export interface DocCommand {
  /** `README.md:42` or `aligndial eval --help`. */
  where: string;
  /** The command with `\` continuations joined and comments removed. */
  command: string;
}

/** Fenced blocks whose language says "run me in a shell". Usage synopses belong in ```text blocks. */
const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console']);

/**
 * The commands of every ```sh block of a Markdown file, in order. A line ending in `\` continues on the
 * next; `# …` comments (whole lines or trailing, outside quotes) are dropped.
 */
export function markdownCommands(markdown: string, file: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let fence: string | undefined;
  let pending: { start: number; text: string } | undefined;
  markdown.split('\n').forEach((line, i) => {
    const open = /^\s*```(\w*)/.exec(line);
    if (open) {
      fence = fence === undefined ? open[1] : undefined;
      return;
    }
    if (fence === undefined || !SHELL_FENCES.has(fence)) return;
    collect(line, i + 1);
  });
  return commands;

  function collect(line: string, lineNo: number): void {
    // Inside an open quote (a JSON body over several lines) the line is kept as it is.
    const quoted = pending !== undefined && openQuote(pending.text) !== undefined;
    const text = quoted ? line : stripComment(line);
    if (pending === undefined && text.trim() === '') return;
    const continues = !quoted && /\\\s*$/.test(text);
    const body = continues ? text.replace(/\\\s*$/, '') : text;
    pending = pending ? { start: pending.start, text: quoted ? `${pending.text}\n${body}` : `${pending.text} ${body.trim()}` } : { start: lineNo, text: body.trim() };
    if (!continues && openQuote(pending.text) === undefined) {
      commands.push({ where: `${file}:${pending.start}`, command: pending.text.trim() });
      pending = undefined;
    }
  }
}

/** `aligndial …` and `curl …` lines of the "Examples:" part of a `--help` text (with `\` continuations). */
export function helpExampleCommands(help: string, where: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let inExamples = false;
  let pending: string | undefined;
  for (const line of help.split('\n')) {
    if (/^\S.*:\s*$/.test(line)) inExamples = /^(Examples?|A typical run.*):\s*$/.test(line);
    if (!inExamples) continue;
    const text = stripComment(line).trim();
    if (pending === undefined && !/^(aligndial|curl)\s/.test(text)) continue;
    const continues = /\\$/.test(text);
    const body = continues ? text.slice(0, -1).trim() : text;
    pending = pending === undefined ? body : `${pending} ${body}`;
    if (!continues) {
      commands.push({ where, command: pending });
      pending = undefined;
    }
  }
  return commands;
}

/** A line without its `# comment` (a `#` outside quotes that starts a word). */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
  }
  return line;
}

/** The quote character left open at the end of `text`, if any. */
function openQuote(text: string): string | undefined {
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
  }
  return quote;
}

/** Splits a command into words like a POSIX shell (single and double quotes, backslash escapes). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) word = (word ?? '') + command[++i];
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < command.length) word = (word ?? '') + command[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}
