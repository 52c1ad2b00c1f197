export { Tokenizer, type DecodeOptions, type EncodeOptions, type TokenizerExtras } from './tokenizer.js';
export { ChatTemplate, type ChatMessage, type ChatTemplateContext, type ChatTemplateOptions } from './chat-template.js';
export { formatPlainChat } from './plain-chat-format.js';
export { StreamDecoder, type IdDecoder, type StreamDecoderOptions } from './stream-decoder.js';
export {
  createSyntheticTokenizerJson,
  MAX_SYNTHETIC_VOCAB_SIZE,
  MIN_SYNTHETIC_VOCAB_SIZE,
  SYNTHETIC_CHAT_TEMPLATE,
  type SyntheticTokenizer,
} from './synthetic-tokenizer.js';
export { saveTokenizer } from './save-tokenizer.js';
export type { NamedChatTemplate, SpecialTokenField, TokenizerConfig } from './tokenizer-config.js';
export { cutText } from './cut-text.js';
