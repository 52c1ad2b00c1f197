import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { AligndialError } from '../errors.js';
import { ChatTemplate, validateMessages, type ChatMessage, type ChatTemplateOptions } from './chat-template.js';
import { formatPlainChat } from './plain-chat-format.js';
import { readTokenizerFiles } from './read-tokenizer-files.js';
import { resolveSpecialTokens } from './special-tokens.js';
import { DEFAULT_CHAT_TEMPLATE_NAME, optionalBoolean, parseChatTemplates } from './tokenizer-config.js';

/** Options of `Tokenizer.encode`. */
export interface EncodeOptions {
  /** Add BOS/EOS as the tokenizer is configured to (HF `add_special_tokens`). Default true. */
  addSpecialTokens?: boolean;
}

/** Options of `Tokenizer.decode`. */
export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, pad, other special added tokens). Default false. */
  skipSpecialTokens?: boolean;
  /**
   * Apply the old "clean up tokenization spaces" rule (`" ."` → `"."`, `" n't"` → `"n't"`).
   * Default: `clean_up_tokenization_spaces` from tokenizer_config.json, else false
   * (transformers' default since 4.45; the library's own default, true, breaks round trips).
   */
  cleanUpTokenizationSpaces?: boolean;
}

/** Extra inputs of `Tokenizer.fromJSON` that live outside tokenizer.json / tokenizer_config.json. */
export interface TokenizerExtras {
  /** A chat template that overrides the config's default one (the `chat_template.jinja` file). */
  chatTemplate?: string;
  /** generation_config.json, whose `eos_token_id` adds stop ids. */
  generationConfig?: object;
  /** Names the source in error messages, e.g. the directory. */
  source?: string;
}

/**
 * A Hugging Face fast tokenizer (tokenizer.json + tokenizer_config.json) with transformers'
 * semantics for special tokens, decoding and chat templates, on top of `@huggingface/tokenizers`.
 */
export class Tokenizer {
  /** Number of token ids, added tokens included (HF `len(tokenizer)`): the largest id + 1. */
  readonly vocabSize: number;
  /** The BOS id, or undefined when the tokenizer has none (e.g. Qwen2). */
  readonly bosTokenId: number | undefined;
  /** The config's EOS id, else the first of generation_config.json's. */
  readonly eosTokenId: number | undefined;
  /** Every id that ends generation: the config's EOS plus generation_config.json's `eos_token_id`s. */
  readonly eosTokenIds: readonly number[];
  /** The pad id; the EOS id when none is configured, as HF pipelines do. */
  readonly padTokenId: number | undefined;
  /** The unknown-token id, if any. */
  readonly unkTokenId: number | undefined;
  /** The text of the BOS token (e.g. `<s>`), as chat templates receive it. */
  readonly bosToken: string | undefined;
  /** The text of the EOS token (e.g. `</s>`). */
  readonly eosToken: string | undefined;
  /** Ids of special tokens: special added tokens plus the config's bos/eos/unk/pad/additional ones. */
  readonly specialTokenIds: ReadonlySet<number>;

  private readonly hf: HfTokenizer;
  private readonly templateVariables: Record<string, unknown>;
  private readonly chatTemplateSources: Map<string, string>;
  /** Where each template came from, for error messages. */
  private readonly chatTemplateOrigins = new Map<string, string>();
  private readonly compiledTemplates = new Map<string, ChatTemplate>();
  private readonly addBos: boolean | undefined;
  private readonly addEos: boolean | undefined;
  private readonly cleanUp: boolean;
  private longestToken: number | undefined;

  private constructor(tokenizerJson: object, tokenizerConfig: object, extras: TokenizerExtras) {
    const fileName = (name: string) => (extras.source === undefined ? name : join(extras.source, name));
    const configName = fileName('tokenizer_config.json');
    const tj = validateTokenizerJson(tokenizerJson, fileName('tokenizer.json'));
    if (tokenizerConfig === null || typeof tokenizerConfig !== 'object' || Array.isArray(tokenizerConfig)) {
      throw new AligndialError(`${configName} must be a JSON object`);
    }
    const config = tokenizerConfig as Record<string, unknown>;
    try {
      this.hf = new HfTokenizer(tj, config);
    } catch (error) {
      throw new AligndialError(`${fileName('tokenizer.json')}: cannot build the tokenizer: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // The model's id → token array, which the library extends with the added tokens.
    this.vocabSize = this.hf.model?.vocab.length ?? 0;

    const special = resolveSpecialTokens(this.hf, tj.added_tokens, config, extras.generationConfig, {
      config: configName,
      generationConfig: fileName('generation_config.json'),
    });
    this.bosToken = special.bosToken;
    this.eosToken = special.eosToken;
    this.bosTokenId = special.bosTokenId;
    this.eosTokenId = special.eosTokenId;
    this.eosTokenIds = special.eosTokenIds;
    this.padTokenId = special.padTokenId;
    this.unkTokenId = special.unkTokenId;
    this.specialTokenIds = special.specialTokenIds;
    this.addBos = special.addBos;
    this.addEos = special.addEos;
    this.cleanUp = optionalBoolean(config.clean_up_tokenization_spaces, `${configName}: clean_up_tokenization_spaces`) ?? false;

    this.chatTemplateSources = parseChatTemplates(config.chat_template, `${configName}: chat_template`);
    for (const name of this.chatTemplateSources.keys()) {
      this.chatTemplateOrigins.set(name, `${configName}: chat_template "${name}"`);
    }
    if (extras.chatTemplate !== undefined) {
      this.chatTemplateSources.set(DEFAULT_CHAT_TEMPLATE_NAME, extras.chatTemplate);
      this.chatTemplateOrigins.set(DEFAULT_CHAT_TEMPLATE_NAME, fileName('chat_template.jinja'));
    }
    this.templateVariables = {
      bos_token: special.bosToken,
      eos_token: special.eosToken,
      unk_token: special.unkToken,
      pad_token: special.padToken,
      additional_special_tokens: special.additionalSpecialTokens,
    };
  }

  /**
   * Loads `tokenizer.json`, `tokenizer_config.json` and, when present, `chat_template.jinja`
   * (which overrides the config's default template) and `generation_config.json` from `dir`.
   */
  static fromDir(dir: string): Tokenizer {
    const files = readTokenizerFiles(dir);
    return new Tokenizer(files.tokenizerJson, files.tokenizerConfig, {
      chatTemplate: files.chatTemplate,
      generationConfig: files.generationConfig,
      source: dir,
    });
  }

  /** Builds a tokenizer from the parsed contents of tokenizer.json and tokenizer_config.json. */
  static fromJSON(tokenizerJson: object, tokenizerConfig: object = {}, extras: TokenizerExtras = {}): Tokenizer {
    return new Tokenizer(tokenizerJson, tokenizerConfig, extras);
  }

  /** Length in characters of the longest token string (added tokens included); at least 1. */
  get maxTokenChars(): number {
    if (this.longestToken === undefined) {
      let longest = 1;
      for (const token of this.hf.model?.vocab ?? []) if (typeof token === 'string' && token.length > longest) longest = token.length;
      this.longestToken = longest;
    }
    return this.longestToken;
  }

  /**
   * A character count that surely holds more than `tokens` tokens: text cut to this length before
   * encoding keeps every token a `tokens`-token truncation would keep, while a hostile 32 MB string costs
   * no more than this to tokenize. One token stands for at most `maxTokenChars` characters of text
   * (byte-level and SentencePiece vocabularies spell every byte or space they cover); the factor 2
   * leaves room for normalizers that compose characters (NFKC) and for the token cut at the boundary.
   */
  charBudget(tokens: number): number {
    return 2 * (tokens + 1) * this.maxTokenChars;
  }

  /**
   * Token ids of `text`. With `addSpecialTokens` (default) BOS/EOS are added as HF does:
   * per `add_bos_token`/`add_eos_token` when the config sets them, else per the post-processor.
   * Special-token text inside `text` (e.g. `</s>`) becomes its special id, as in transformers.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new AligndialError(`encode: text must be a string, got ${typeof text}`);
    const addSpecialTokens = options.addSpecialTokens ?? true;
    if (!addSpecialTokens || (this.addBos === undefined && this.addEos === undefined)) {
      return this.hf.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    }
    const ids = this.hf.encode(text, { add_special_tokens: false }).ids;
    if (this.addBos) ids.unshift(this.bosTokenId!);
    if (this.addEos) ids.push(this.eosTokenId!);
    return ids;
  }

  /**
   * The text of `ids`. An empty list gives `''`; ids with no token (e.g. the padding rows of a
   * model whose embedding is larger than the vocabulary) are skipped, as the Rust tokenizers do.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) throw new AligndialError('decode: ids must be a list of integers');
    const skip = options.skipSpecialTokens ?? false;
    const kept: number[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0) throw new AligndialError(`decode: token id ${String(id)} is not a non-negative integer`);
      if (id >= this.vocabSize || this.hf.id_to_token(id) === undefined) continue;
      if (skip && this.specialTokenIds.has(id)) continue;
      kept.push(id);
    }
    // The library throws on an empty list.
    if (kept.length === 0) return '';
    return this.hf.decode(kept, {
      skip_special_tokens: false,
      clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? this.cleanUp,
    });
  }

  /** The id of a token string (e.g. `▁the`, `<s>`), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.hf.token_to_id(token);
  }

  /** The token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.hf.id_to_token(id);
  }

  /** Whether the tokenizer ships a chat template usable without naming one. */
  get hasChatTemplate(): boolean {
    return this.chatTemplateSources.has(DEFAULT_CHAT_TEMPLATE_NAME) || this.chatTemplateSources.size === 1;
  }

  /** Names of the chat templates (`default` for a single string template). */
  get chatTemplateNames(): string[] {
    return [...this.chatTemplateSources.keys()];
  }

  /**
   * Renders `messages` to the prompt text, as transformers' `apply_chat_template(tokenize=False)`.
   * Without a chat template it returns the plain format of `formatPlainChat` (no BOS).
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    validateMessages(messages);
    if ((options.tokenize as unknown) === true) {
      throw new AligndialError('applyChatTemplate returns text; use encodeChat for token ids');
    }
    const addGenerationPrompt = options.addGenerationPrompt ?? false;
    const template = this.chatTemplate(options.templateName);
    if (!template) return formatPlainChat(messages, addGenerationPrompt);
    return template.render(messages, {
      ...this.templateVariables,
      ...options.templateKwargs,
      add_generation_prompt: addGenerationPrompt,
    });
  }

  /**
   * Token ids of the rendered chat. The template already writes BOS, so special tokens are not
   * added again (as transformers does); the plain fallback format gets BOS from `encode`.
   */
  encodeChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): number[] {
    const text = this.applyChatTemplate(messages, options);
    const templated = this.chatTemplate(options.templateName) !== undefined;
    return this.encode(text, { addSpecialTokens: !templated });
  }

  private chatTemplate(name: string | undefined): ChatTemplate | undefined {
    if (this.chatTemplateSources.size === 0) {
      if (name !== undefined) throw new AligndialError(`The tokenizer has no chat template named "${name}"`);
      return undefined;
    }
    let key = name ?? DEFAULT_CHAT_TEMPLATE_NAME;
    if (name === undefined && !this.chatTemplateSources.has(key) && this.chatTemplateSources.size === 1) {
      key = this.chatTemplateNames[0];
    }
    const source = this.chatTemplateSources.get(key);
    if (source === undefined) {
      throw new AligndialError(`The tokenizer has no chat template named "${key}"`, {
        hint: `Available templates: ${this.chatTemplateNames.join(', ')}; pass templateName.`,
      });
    }
    let compiled = this.compiledTemplates.get(key);
    if (!compiled) {
      compiled = new ChatTemplate(source, this.chatTemplateOrigins.get(key) ?? key);
      this.compiledTemplates.set(key, compiled);
    }
    return compiled;
  }
}

type TokenizerJsonShape = { model: object; added_tokens: AddedTokenShape[]; [key: string]: unknown };
type AddedTokenShape = { id: number; content: string; special?: boolean };

/** Checks the shape the library relies on, and fills the optional sections it requires present. */
function validateTokenizerJson(value: object, where: string): TokenizerJsonShape {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AligndialError(`${where} must be a JSON object`);
  const tj = value as Record<string, unknown>;
  if (!tj.model || typeof tj.model !== 'object') throw new AligndialError(`${where} has no "model" object`);
  const added = tj.added_tokens ?? [];
  if (!Array.isArray(added)) throw new AligndialError(`${where}: added_tokens must be a list`);
  added.forEach((t: AddedTokenShape, i) => {
    if (!t || typeof t.content !== 'string' || !Number.isInteger(t.id)) {
      throw new AligndialError(`${where}: added_tokens[${i}] must have an integer "id" and a string "content"`);
    }
  });
  return {
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
    ...tj,
    model: tj.model as object,
    added_tokens: added as AddedTokenShape[],
  };
}
