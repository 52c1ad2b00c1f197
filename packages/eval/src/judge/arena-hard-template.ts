import type { PairTemplate } from './templates.js';

/**
 * Arena-Hard v0.1's pairwise judge (lmarena/arena-hard-auto, `config/judge_config.yaml`: judge
 * gpt-4-1106-preview, temperature 0, max_tokens 4096). The judge answers the prompt itself, then
 * ends with one of five labels; `{answer_a}` is the answer shown as Assistant A. Arena-Hard judges
 * every question twice, baseline first and then the model first (`compareAnswers` does both orders
 * for this template), and scores the battles with Bradley–Terry (`metrics/arena-hard.ts`).
 */
export const ARENA_HARD_TEMPLATE: PairTemplate = {
  kind: 'pair',
  name: 'arena-hard-v0.1',
  format: 'arena-hard',
  system:
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user prompt displayed below. You will be given assistant A's answer and assistant B's answer. Your job is to evaluate which assistant's answer is better.\n\n" +
    'Begin your evaluation by generating your own answer to the prompt. You must provide your answers before judging any answers.\n\n' +
    "When evaluating the assistants' answers, compare both assistants' answers with your answer. You must identify and correct any mistakes or inaccurate information.\n\n" +
    "Then consider if the assistant's answers are helpful, relevant, and concise. Helpful means the answer correctly responds to the prompt or follows the instructions. Note when user prompt has any ambiguity or more than one interpretation, it is more helpful and appropriate to ask for clarifications or more information from the user than providing an answer based on assumptions. Relevant means all parts of the response closely connect or are appropriate to what is being asked. Concise means the response is clear and not verbose or excessive.\n\n" +
    "Then consider the creativity and novelty of the assistant's answers when needed. Finally, identify any missing important information in the assistants' answers that would be beneficial to include when responding to the user prompt.\n\n" +
    'After providing your explanation, you must output only one of the following choices as your final verdict with a label:\n\n' +
    '1. Assistant A is significantly better: [[A>>B]]\n2. Assistant A is slightly better: [[A>B]]\n3. Tie, relatively the same: [[A=B]]\n4. Assistant B is slightly better: [[B>A]]\n5. Assistant B is significantly better: [[B>>A]]\n\n' +
    'Example output: "My final verdict is tie: [[A=B]]".',
  prompt:
    "<|User Prompt|>\n{question}\n\n<|The Start of Assistant A's Answer|>\n{answer_a}\n<|The End of Assistant A's Answer|>\n\n" +
    "<|The Start of Assistant B's Answer|>\n{answer_b}\n<|The End of Assistant B's Answer|>",
};
