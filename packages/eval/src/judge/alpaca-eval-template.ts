import type { PairTemplate } from './templates.js';

/** Log-probabilities AlpacaEval's annotator asks for: the top 5 of a 1-token reply. */
export const ALPACA_EVAL_LOGPROBS = { topLogprobs: 5, maxTokens: 1 } as const;

/**
 * AlpacaEval 2's annotator `weighted_alpaca_eval_gpt4_turbo` (tatsu-lab/alpaca_eval,
 * `evaluators_configs/alpaca_eval_clf_gpt4_turbo/alpaca_eval_clf.txt`; judge gpt-4-1106-preview,
 * max_tokens 1, logprobs with top_logprobs 5). `{answer_a}` is `output_1` (identifier `m`),
 * `{answer_b}` is `output_2` (`M`). The preference for output 1 is
 * exp(lp(m)) / (exp(lp(m)) + exp(lp(M))) over the first token's top log-probabilities (a token
 * missing from the top 5 has probability 0), or 1/0 from the reply text when the endpoint returns
 * no log-probabilities. AlpacaEval randomises which output comes first per instruction, which
 * `compareAnswers` does with its seeded per-pair order.
 */
export const ALPACA_EVAL_TEMPLATE: PairTemplate = {
  kind: 'pair',
  name: 'weighted_alpaca_eval_gpt4_turbo',
  format: 'alpaca-eval',
  system:
    'You are a highly efficient assistant, who evaluates and selects the best large language model (LLMs) based on the quality of their responses to a given instruction. This process will be used to create a leaderboard reflecting the most accurate and human-preferred answers.',
  prompt:
    "I require a leaderboard for various large language models. I'll provide you with prompts given to these models and their corresponding outputs. Your task is to assess these responses, and select the model that produces the best output from a human perspective.\n\n" +
    '## Instruction\n\n{\n    "instruction": """{question}""",\n}\n\n' +
    '## Model Outputs\n\nHere are the unordered outputs from the models. Each output is associated with a specific model, identified by a unique model identifier.\n\n' +
    '{\n    {\n        "model_identifier": "m",\n        "output": """{answer_a}"""\n    },\n    {\n        "model_identifier": "M",\n        "output": """{answer_b}"""\n    }\n}\n\n' +
    '## Task\n\nEvaluate the models based on the quality and relevance of their outputs, and select the model that generated the best output. Answer by providing the model identifier of the best model. We will use your output as the name of the best model, so make sure your output only contains one of the following model identifiers and nothing else (no quotes, no spaces, no new lines, ...): m or M.\n\n' +
    '## Best Model Identifier',
};
