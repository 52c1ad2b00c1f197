import type { Tokenizer } from '@aligndial/core';

/**
 * Warns (stderr) when chat messages will be formatted without the model's own chat template: the
 * tokenizer has none, so core falls back to plain `User: …\nAssistant:` lines, which a chat-tuned model
 * may not follow. Returns whether it warned.
 */
export function warnIfNoChatTemplate(tokenizer: Pick<Tokenizer, 'hasChatTemplate'>, modelDir: string, flag: string, stderr: NodeJS.WritableStream = process.stderr): boolean {
  if (tokenizer.hasChatTemplate) return false;
  stderr.write(
    `aligndial: warning: ${modelDir} has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja); ` +
      `${flag} formats the messages as plain "User: …" / "Assistant:" lines instead\n`,
  );
  return true;
}
