import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { AligndialError } from '../errors.js';
import { strftime } from './strftime.js';

/**
 * One chat turn (the one message type of every package). Extra fields (e.g. `tool_calls`) are passed to
 * the template as given. `Role` narrows the roles where an API needs it (e.g. OpenAI's chat roles).
 */
export interface ChatMessage<Role extends string = string> {
  role: Role;
  content: string;
}

/** Options of `Tokenizer.applyChatTemplate` and `Tokenizer.encodeChat`. */
export interface ChatTemplateOptions {
  /** Append the tokens that open an assistant turn (HF `add_generation_prompt`). Default false. */
  addGenerationPrompt?: boolean;
  /** Only `false` is accepted: `applyChatTemplate` returns text; use `encodeChat` for ids. */
  tokenize?: false;
  /** Which template to use when `chat_template` is a list of named templates. Default `default`. */
  templateName?: string;
  /** Extra template variables, as transformers passes `**kwargs` (e.g. `enable_thinking`, `tools`). */
  templateKwargs?: Record<string, unknown>;
}

/** The variables transformers passes to every chat template besides the messages. */
export interface ChatTemplateContext {
  add_generation_prompt: boolean;
  bos_token?: string;
  eos_token?: string;
  unk_token?: string;
  pad_token?: string;
  additional_special_tokens?: string[];
  [key: string]: unknown;
}

/**
 * A parsed Jinja chat template, rendered with transformers' `apply_chat_template` semantics:
 * `trim_blocks`/`lstrip_blocks`, the special-token variables, and the `raise_exception` and
 * `strftime_now` helpers.
 */
export class ChatTemplate {
  private readonly template: Template;

  /** Parses `source`; `origin` names the file/field in error messages. */
  constructor(readonly source: string, readonly origin: string) {
    try {
      this.template = new Template(source);
    } catch (error) {
      throw new AligndialError(`${origin}: the chat template does not parse: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Renders `messages` with `context`; a `raise_exception` call becomes an `AligndialError`. */
  render(messages: readonly ChatMessage[], context: ChatTemplateContext): string {
    validateMessages(messages);
    // Template.render would install the library's own helpers and refuses to have them replaced,
    // so build the environment here: same globals, transformers' helpers.
    const env = new Environment();
    const globals: Record<string, unknown> = {
      false: false, true: true, none: null, False: false, True: true, None: null,
      range: pythonRange,
      raise_exception: (message: unknown) => {
        throw new ChatTemplateException(String(message));
      },
      strftime_now: (format: unknown) => strftime(new Date(), String(format)),
    };
    const variables = { ...globals, ...context, messages };
    for (const [name, value] of Object.entries(variables)) {
      if (value !== undefined) env.set(name, value);
    }
    try {
      return String(new Interpreter(env).run(this.template.parsed).value);
    } catch (error) {
      if (error instanceof ChatTemplateException) {
        throw new AligndialError(`${this.origin}: the chat template rejected the messages: ${error.message}`);
      }
      throw new AligndialError(`${this.origin}: the chat template failed to render: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** Raised by the template's `raise_exception`; turned into an AligndialError by `render`. */
class ChatTemplateException extends Error {}

/** Checks that `messages` is a list of `{role: string, content: string}`, naming the bad field. */
export function validateMessages(messages: unknown): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages)) throw new AligndialError('messages must be a list of {role, content}');
  messages.forEach((message: unknown, i) => {
    const m = message as Partial<ChatMessage> | null;
    if (!m || typeof m !== 'object') throw new AligndialError(`messages[${i}] must be an object {role, content}`);
    if (typeof m.role !== 'string') throw new AligndialError(`messages[${i}].role must be a string`);
    if (typeof m.content !== 'string') throw new AligndialError(`messages[${i}].content must be a string`);
  });
}

function pythonRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() step must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}
