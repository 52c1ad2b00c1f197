import { describe, expect, it } from 'vitest';
import { helpExampleCommands, markdownCommands, shellWords, stripComment } from './shell-commands.js';

describe('documentation command extraction', () => {
  it('joins continuations, drops comments, and reads only shell blocks', () => {
    const md = [
      'text',
      '```sh',
      '# a comment',
      'aligndial generate --model DIR \\',
      '  --prompt "Hi # not a comment"   # a comment',
      '',
      'curl -s x',
      '```',
      '```text',
      'aligndial serve --model DIR [--port 8000]',
      '```',
      '```ts',
      'const x = 1;',
      '```',
    ].join('\n');
    expect(markdownCommands(md, 'R.md')).toEqual([
      { where: 'R.md:4', command: 'aligndial generate --model DIR --prompt "Hi # not a comment"' },
      { where: 'R.md:7', command: 'curl -s x' },
    ]);
  });

  it('reads the examples of a --help text', () => {
    const help = ['Usage: aligndial x', '', 'Options:', '  --a  thing', '', 'Examples:', '  aligndial x --a 1', '  curl -s localhost:1 \\', "    -d '{}'", '  open http://127.0.0.1:1/'].join('\n');
    expect(helpExampleCommands(help, 'x --help').map((c) => c.command)).toEqual(['aligndial x --a 1', "curl -s localhost:1 -d '{}'"]);
  });

  it('keeps # inside quotes and words', () => {
    expect(stripComment("echo 'a # b' c#d # e")).toBe("echo 'a # b' c#d");
  });

  it('keeps a quoted JSON body that spans lines', () => {
    const md = ['```sh', "curl -s x -d '{", '  "a": 1 }\'', 'echo done', '```'].join('\n');
    expect(markdownCommands(md, 'R.md').map((c) => c.command)).toEqual(["curl -s x -d '{\n  \"a\": 1 }'", 'echo done']);
  });

  it('splits words like a shell', () => {
    expect(shellWords(`aligndial x --prompt "What is 2+3?" --t 'a b' c\\ d`)).toEqual(['aligndial', 'x', '--prompt', 'What is 2+3?', '--t', 'a b', 'c d']);
  });
});
