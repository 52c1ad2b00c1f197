import { AligndialError, type ChatMessage } from '@aligndial/core';

/**
 * One preference pair. Strings are plain text (TRL's "standard" format: tokens are concatenated);
 * message lists are conversational (rendered with the chat template). The prompt holds every turn
 * before the completion; `chosen`/`rejected` hold the completion turn(s) only.
 */
export interface PreferenceExample {
  prompt: string | ChatMessage[];
  chosen: string | ChatMessage[];
  rejected: string | ChatMessage[];
  /** Where the row came from, for messages: `file:line` or `file: row N`. */
  source: string;
}

/** LLaMA-Factory / ShareGPT role names → chat-template roles. */
const ROLE_ALIASES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  model: 'assistant',
  bot: 'assistant',
  system: 'system',
  function_call: 'assistant',
  observation: 'tool',
  tool: 'tool',
};

function rowError(source: string, problem: string): AligndialError {
  return new AligndialError(`${source}: ${problem}`);
}

const describe = (value: unknown) => (Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value);

/** A message in either layout (`{role, content}` or ShareGPT `{from, value}`), normalised. */
function toMessage(value: unknown, source: string, field: string): ChatMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw rowError(source, `field "${field}" must be a message object ({role, content} or {from, value}), got ${describe(value)}`);
  }
  const m = value as Record<string, unknown>;
  const rawRole = m.role ?? m.from;
  const content = m.content ?? m.value;
  if (typeof rawRole !== 'string') throw rowError(source, `field "${field}" has no string "role"/"from"`);
  const role = Object.prototype.hasOwnProperty.call(ROLE_ALIASES, rawRole.toLowerCase()) ? ROLE_ALIASES[rawRole.toLowerCase()] : undefined;
  if (!role) throw rowError(source, `field "${field}" has role "${rawRole.slice(0, 40)}" (expected one of: ${Object.keys(ROLE_ALIASES).join(', ')})`);
  if (typeof content !== 'string') throw rowError(source, `field "${field}" has no string "content"/"value" (got ${describe(content)})`);
  return { role, content };
}

function toMessages(value: unknown, source: string, field: string): ChatMessage[] {
  if (!Array.isArray(value)) return [toMessage(value, source, field)];
  return value.map((m, i) => toMessage(m, source, `${field}[${i}]`));
}

const isMessageLike = (value: unknown) => Array.isArray(value) || (value !== null && typeof value === 'object');
const sameMessage = (a: ChatMessage, b: ChatMessage) => a.role === b.role && a.content === b.content;

function commonPrefixLength(a: readonly ChatMessage[], b: readonly ChatMessage[]): number {
  let n = 0;
  while (n < a.length && n < b.length && sameMessage(a[n], b[n])) n++;
  return n;
}

function startsWith(messages: readonly ChatMessage[], prefix: readonly ChatMessage[]): boolean {
  return prefix.length <= messages.length && prefix.every((m, i) => sameMessage(m, messages[i]));
}

/** One rule for every format: an answer with no text (empty or whitespace only) is not a preference. */
const isEmptyAnswer = (text: string) => text.trim().length === 0;

function checkCompletion(messages: ChatMessage[], source: string, field: string): ChatMessage[] {
  if (messages.length === 0) throw rowError(source, `field "${field}" has no completion turn after the prompt`);
  if (messages[0].role !== 'assistant') {
    throw rowError(source, `field "${field}" must start with an assistant turn, got role "${messages[0].role}"`);
  }
  if (messages.every((m) => isEmptyAnswer(m.content))) throw rowError(source, `field "${field}" is empty`);
  return messages;
}

/** A ShareGPT / LLaMA-Factory row: `conversations` (+ optional `system`), `chosen`, `rejected` as {from, value}. */
function fromShareGpt(row: Record<string, unknown>, source: string): PreferenceExample {
  const prompt = toMessages(row.conversations, source, 'conversations');
  if (typeof row.system === 'string' && row.system.length > 0) prompt.unshift({ role: 'system', content: row.system });
  if (prompt.length === 0) throw rowError(source, 'field "conversations" is empty');
  const last = prompt[prompt.length - 1].role;
  if (last !== 'user' && last !== 'tool') throw rowError(source, `field "conversations" must end with a user turn, got role "${last}"`);
  if (row.chosen === undefined) throw rowError(source, 'field "chosen" is missing');
  if (row.rejected === undefined) throw rowError(source, 'field "rejected" is missing');
  return {
    prompt,
    chosen: checkCompletion(toMessages(row.chosen, source, 'chosen'), source, 'chosen'),
    rejected: checkCompletion(toMessages(row.rejected, source, 'rejected'), source, 'rejected'),
    source,
  };
}

/**
 * A TRL row: `prompt`/`chosen`/`rejected` as strings (standard) or message lists (conversational);
 * `prompt` may be absent when chosen/rejected are full conversations (TRL's implicit prompt: their
 * common leading turns). UltraFeedback-binarized rows (prompt string, chosen/rejected = [user, assistant])
 * map here too: the leading user turn equal to the prompt is removed from the completions.
 */
function fromTrl(row: Record<string, unknown>, source: string): PreferenceExample {
  const { prompt, chosen, rejected } = row;
  if (chosen === undefined) throw rowError(source, 'field "chosen" is missing');
  if (rejected === undefined) throw rowError(source, 'field "rejected" is missing');
  const conversational = isMessageLike(prompt) || isMessageLike(chosen) || isMessageLike(rejected);
  if (!conversational) {
    if (typeof prompt !== 'string') throw rowError(source, `field "prompt" must be a string or a list of messages, got ${describe(prompt)}`);
    if (typeof chosen !== 'string') throw rowError(source, `field "chosen" must be a string, got ${describe(chosen)}`);
    if (typeof rejected !== 'string') throw rowError(source, `field "rejected" must be a string, got ${describe(rejected)}`);
    if (isEmptyAnswer(chosen)) throw rowError(source, 'field "chosen" is empty');
    if (isEmptyAnswer(rejected)) throw rowError(source, 'field "rejected" is empty');
    return { prompt, chosen, rejected, source };
  }
  const asTurns = (value: unknown, field: string, role: string): ChatMessage[] =>
    typeof value === 'string' ? [{ role, content: value }] : toMessages(value, source, field);
  let chosenTurns = asTurns(chosen, 'chosen', 'assistant');
  let rejectedTurns = asTurns(rejected, 'rejected', 'assistant');
  let promptTurns: ChatMessage[];
  if (prompt === undefined || prompt === null) {
    const n = commonPrefixLength(chosenTurns, rejectedTurns);
    if (n === 0) throw rowError(source, 'field "prompt" is missing and "chosen"/"rejected" share no leading turns to take it from');
    promptTurns = chosenTurns.slice(0, n);
    chosenTurns = chosenTurns.slice(n);
    rejectedTurns = rejectedTurns.slice(n);
  } else {
    promptTurns = asTurns(prompt, 'prompt', 'user');
    if (promptTurns.length === 0) throw rowError(source, 'field "prompt" is an empty list');
    // UltraFeedback-binarized and similar: chosen/rejected repeat the prompt's turns.
    if (startsWith(chosenTurns, promptTurns) && startsWith(rejectedTurns, promptTurns)) {
      chosenTurns = chosenTurns.slice(promptTurns.length);
      rejectedTurns = rejectedTurns.slice(promptTurns.length);
    }
  }
  return {
    prompt: promptTurns,
    chosen: checkCompletion(chosenTurns, source, 'chosen'),
    rejected: checkCompletion(rejectedTurns, source, 'rejected'),
    source,
  };
}

/**
 * Maps one row of any supported layout (TRL standard/conversational/implicit prompt,
 * UltraFeedback-binarized, ShareGPT/LLaMA-Factory) to a {@link PreferenceExample}.
 * @param source - Names the row in errors, e.g. `data.jsonl:12`.
 * @throws AligndialError naming `source` and the field that is wrong.
 */
export function rowToPreferenceExample(row: unknown, source: string): PreferenceExample {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) throw rowError(source, `expected a JSON object, got ${describe(row)}`);
  const r = row as Record<string, unknown>;
  if (r.conversations !== undefined) return fromShareGpt(r, source);
  if (r.chosen === undefined && r.rejected === undefined && r.prompt === undefined) {
    throw rowError(source, `no preference fields (expected "prompt"/"chosen"/"rejected" or "conversations"/"chosen"/"rejected"; found ${Object.keys(r).join(', ') || 'none'})`);
  }
  return fromTrl(r, source);
}
