import { describeValue } from '../util/describe-value.js';
import { AligndialError } from '../errors.js';

/**
 * The fields of a Hugging Face `tokenizer_config.json` that aligndial reads. Other fields are kept
 * and passed through to `@huggingface/tokenizers` untouched.
 */
export interface TokenizerConfig {
  bos_token?: SpecialTokenField;
  eos_token?: SpecialTokenField;
  unk_token?: SpecialTokenField;
  pad_token?: SpecialTokenField;
  additional_special_tokens?: SpecialTokenField[];
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  clean_up_tokenization_spaces?: boolean;
  chat_template?: string | NamedChatTemplate[];
  [key: string]: unknown;
}

/** A special token as `tokenizer_config.json` stores it: a plain string or a serialized `AddedToken`. */
export type SpecialTokenField = string | { content: string; [key: string]: unknown } | null;

/** One entry of the list form of `chat_template` (several named templates, e.g. `default` and `tool_use`). */
export interface NamedChatTemplate {
  name: string;
  template: string;
}

/** The name transformers picks when `chat_template` is a list and the caller names none. */
export const DEFAULT_CHAT_TEMPLATE_NAME = 'default';

/**
 * Reads a special-token field (string, `{content}` object or null) as its text.
 * `where` names the file and field for the error message.
 */
export function specialTokenContent(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  throw new AligndialError(`${where} must be a string or an object with a string "content"`);
}

/**
 * Reads an optional boolean field; anything else present is an error naming `where`.
 */
export function optionalBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new AligndialError(`${where} must be true or false, got ${describeValue(value)}`);
  return value;
}

/**
 * Parses `chat_template` from tokenizer_config.json into name → template. A string is the
 * `default` template; the list form `[{name, template}]` keeps every name.
 */
export function parseChatTemplates(value: unknown, where: string): Map<string, string> {
  const templates = new Map<string, string>();
  if (value === undefined || value === null) return templates;
  if (typeof value === 'string') {
    templates.set(DEFAULT_CHAT_TEMPLATE_NAME, value);
    return templates;
  }
  if (!Array.isArray(value)) {
    throw new AligndialError(`${where} must be a string or a list of {name, template}, got ${typeof value}`);
  }
  value.forEach((entry: unknown, i) => {
    const e = entry as Partial<NamedChatTemplate> | null;
    if (!e || typeof e !== 'object' || typeof e.name !== 'string' || typeof e.template !== 'string') {
      throw new AligndialError(`${where}[${i}] must be an object with string "name" and "template"`);
    }
    templates.set(e.name, e.template);
  });
  return templates;
}

/**
 * The end-of-sequence ids in a `generation_config.json` (`eos_token_id` is a number or a list:
 * Llama-3-Instruct lists `<|end_of_text|>`, `<|eom_id|>` and `<|eot_id|>`).
 */
export function generationEosIds(generationConfig: unknown, where: string): number[] {
  if (generationConfig === undefined || generationConfig === null) return [];
  if (typeof generationConfig !== 'object' || Array.isArray(generationConfig)) {
    throw new AligndialError(`${where} must be a JSON object`);
  }
  const value = (generationConfig as { eos_token_id?: unknown }).eos_token_id;
  if (value === undefined || value === null) return [];
  const ids = Array.isArray(value) ? value : [value];
  for (const id of ids) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new AligndialError(`${where}: eos_token_id must be a non-negative integer or a list of them`);
    }
  }
  return ids as number[];
}
