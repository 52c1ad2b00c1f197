import { EvalInputError, JudgeConfigError } from '../errors.js';
import type { Generator } from '../generate/generator.js';
import { createChatJudge } from './chat-judge.js';
import type { Judge } from './judge.js';
import { createOpenAIChat } from './openai-chat.js';
import type { RetryOptions } from './retry.js';
import { createRuleJudge, findRule, loadRuleModule, ruleNames } from './rule-judge.js';
import { formatJudgeSpec, type JudgeSpec, parseJudgeSpec } from './spec.js';

/** Options for {@link createJudge}. */
export interface CreateJudgeOptions {
  /** API key for `openai:` judges (default `$OPENAI_API_KEY`). */
  apiKey?: string;
  /** Per-request timeout in ms for `openai:` judges (default 120 000). */
  timeoutMs?: number;
  /** Retry policy for model-backed judges. */
  retry?: Partial<RetryOptions>;
  /** Judge sampling temperature (default 0). */
  temperature?: number;
  /** Cap on the judge's reply length in tokens (`openai:` judges). */
  maxTokens?: number;
  /**
   * The model behind a `local:DIR` judge, loaded by the caller (e.g. from @aligndial/core). It
   * receives the judge conversation as chat messages; wrap a plain text completion with
   * `(p) => complete(typeof p === 'string' ? p : chatToText(p))`.
   */
  complete?: Generator;
  /** Folder that `rule:./module.js` paths are relative to (default `process.cwd()`). */
  cwd?: string;
}

/** Builds a {@link Judge} from a spec string (see {@link parseJudgeSpec}) or a parsed spec. */
export async function createJudge(spec: string | JudgeSpec, options: CreateJudgeOptions = {}): Promise<Judge> {
  const parsed = typeof spec === 'string' ? parseJudgeSpec(spec) : spec;
  const id = formatJudgeSpec(parsed);
  switch (parsed.kind) {
    case 'openai': {
      const chat = createOpenAIChat({ ...options, model: parsed.model, baseURL: parsed.baseURL });
      return createChatJudge({ id, chat, retry: options.retry });
    }
    case 'local': {
      const complete = options.complete;
      if (!complete) throw new JudgeConfigError(`judge "${id}" needs the local model's generate function (option "complete")`);
      return createChatJudge({
        id,
        chat: async (messages) => {
          const out = await complete(messages);
          return typeof out === 'string' ? out : out.text;
        },
        retry: options.retry,
      });
    }
    case 'rule': {
      if ('module' in parsed) return createRuleJudge(id, await loadRuleModule(parsed.module, options.cwd));
      const rule = findRule(parsed.name);
      if (!rule) throw new EvalInputError(`unknown rule judge "${parsed.name}" (known: ${ruleNames().join(', ')})`);
      return createRuleJudge(id, rule);
    }
  }
}
