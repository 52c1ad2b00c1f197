import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AligndialError } from '../errors.js';
import { assertRegularFile } from '../io/regular-file.js';
import { readJsonFile } from '../util/json-file.js';
import { decodeUtf8Strict } from '../util/utf8.js';

/** The raw contents of a Hugging Face tokenizer directory. */
export interface TokenizerFiles {
  tokenizerJson: object;
  /** `{}` when the directory has no tokenizer_config.json. */
  tokenizerConfig: object;
  /** The text of `chat_template.jinja`, which newer transformers versions save instead of the config field. */
  chatTemplate?: string;
  generationConfig?: object;
}

/**
 * Reads `tokenizer.json` (required), `tokenizer_config.json`, `chat_template.jinja` and
 * `generation_config.json` (optional) from `dir`.
 */
export function readTokenizerFiles(dir: string): TokenizerFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AligndialError(`Tokenizer directory not found: ${dir}`);
  }
  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) {
    throw new AligndialError(`No tokenizer.json in ${dir}`, {
      hint: 'aligndial reads the fast-tokenizer file tokenizer.json; a tokenizer.model (SentencePiece) alone is not supported.',
    });
  }
  const files: TokenizerFiles = {
    tokenizerJson: readJsonObject(tokenizerPath),
    tokenizerConfig: readOptionalJsonObject(join(dir, 'tokenizer_config.json')) ?? {},
  };
  const templatePath = join(dir, 'chat_template.jinja');
  if (existsSync(templatePath)) {
    assertRegularFile(templatePath, 'chat template');
    files.chatTemplate = decodeUtf8Strict(readFileSync(templatePath), templatePath);
  }
  const generationConfig = readOptionalJsonObject(join(dir, 'generation_config.json'));
  if (generationConfig) files.generationConfig = generationConfig;
  return files;
}

function readOptionalJsonObject(path: string): object | undefined {
  return existsSync(path) ? readJsonObject(path) : undefined;
}

function readJsonObject(path: string): object {
  const value = readJsonFile(path, 'tokenizer file');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AligndialError(`${path} must contain a JSON object`);
  }
  return value;
}
