// Public API of @aligndial/eval. This file only re-exports.
export { EvalInputError, JudgeConfigError, BudgetExhaustedError } from './errors.js';

export { type AnswerRecord, type ReadAnswersOptions, readAnswers, appendAnswer, openAnswersForResume } from './io/answers.js';
export { type Turns, asTurns, textLength } from './io/turns.js';
export { type JsonlLine, type ReadJsonlOptions, readJsonl, appendJsonl, writeJsonlAtomic, repairTornTail, readJson } from './io/jsonl.js';

export type { BenchItem } from './bench/bench-item.js';
export { loadMtBench, MT_BENCH_REFERENCE_CATEGORIES } from './bench/mt-bench.js';
export { loadAlpacaEval } from './bench/alpaca-eval.js';
export { loadArenaHard } from './bench/arena-hard.js';
export { loadJustEval, JUST_EVAL_HELPFUL_SLICES, type JustEvalOptions } from './bench/just-eval.js';
export { loadBench, BENCH_NAMES } from './bench/load-bench.js';
export { writeReferenceAnswers } from './bench/reference-answers.js';
export { importAnswers } from './bench/import-answers.js';

export type { ChatMessage, Generator, GenerateContext, GeneratedText } from './generate/generator.js';
export { type PromptItem, readPromptsFile } from './generate/prompts-file.js';
export {
  generateAnswers,
  answerSeed,
  type GenerateAnswersOptions,
  type GenerateAnswersResult,
  type GenerateProgress,
} from './generate/generate-answers.js';

export type { Judge, JudgeContext, JudgeOutcome, PairInput, PairResult, GradeInput, GradeResult } from './judge/judge.js';
export { parseJudgeSpec, formatJudgeSpec, type JudgeSpec } from './judge/spec.js';
export { createJudge, type CreateJudgeOptions } from './judge/create-judge.js';
export { createChatJudge, type ChatJudgeOptions } from './judge/chat-judge.js';
export { createOpenAIChat, type OpenAIChatOptions } from './judge/openai-chat.js';
export { type ChatFn, type ChatReply, type ChatRequestOptions, type TokenLogprob, chatToText, toChatReply } from './judge/chat.js';
export {
  createRuleJudge,
  loadRuleModule,
  lengthRule,
  BUILTIN_RULES,
  registerRule,
  findRule,
  ruleNames,
  type RuleJudgeFn,
  type RuleJudgeInput,
  type RuleVerdict,
} from './judge/rule-judge.js';
export {
  ALIGNEZ_TEMPLATE,
  type PairTemplate,
  type GradeTemplate,
  type JudgeTemplate,
  type PairFormat,
  templatePlaceholders,
  isMultiTurnTemplate,
} from './judge/templates.js';
export { ARENA_HARD_TEMPLATE } from './judge/arena-hard-template.js';
export { ALPACA_EVAL_TEMPLATE, ALPACA_EVAL_LOGPROBS } from './judge/alpaca-eval-template.js';
export { loadJudgePrompts, resolvePairTemplate, requireGradeTemplate, BUILTIN_PAIR_TEMPLATES } from './judge/judge-prompts-file.js';
export { renderTemplate, pairVars, gradeVars } from './judge/render.js';
export {
  type PositionVerdict,
  type ParsedPair,
  parseScoresVerdict,
  parseAbVerdict,
  parsePairVerdict,
  parseArenaHardVerdict,
  parseAlpacaEvalReply,
  type ArenaHardLabel,
  parseRating,
  REASK_MESSAGES,
} from './judge/parse-verdict.js';
export { JudgeRequestError, statusError } from './judge/request-error.js';
export { chatWithRetry, DEFAULT_RETRY, type RetryOptions, type RequestTally } from './judge/retry.js';
export { RequestBudget } from './judge/budget.js';
export { JudgmentCache, cacheKey } from './judge/judgment-cache.js';
export { withCache } from './judge/cached-judge.js';

export { type Order, type Verdict, pickOrder, toVerdict, combineSwapped } from './compare/order.js';
export { type JudgmentRecord, type JudgmentCall, readJudgments } from './compare/judgment-record.js';
export { type AnswerPair, type MatchedAnswers, matchAnswers } from './compare/match-answers.js';
export {
  compareAnswers,
  type CompareAnswersOptions,
  type CompareAnswersResult,
  type CompareProgress,
} from './compare/compare-answers.js';
export type { JudgeInput } from './run/prepare-judge.js';

export { type GradeRecord, readGrades } from './grade/grade-record.js';
export { gradeAnswers, type GradeAnswersOptions, type GradeAnswersResult, type GradeProgress } from './grade/grade-answers.js';

export { type Interval, type BootstrapOptions, bootstrapMeanIntervals, quantile } from './metrics/bootstrap.js';
export { type VerdictSummary, summarizeVerdicts } from './metrics/summarize-verdicts.js';
export { relativeImprovement } from './metrics/relative-improvement.js';
export { type RelativeImprovementReport, relativeImprovementFromFiles } from './metrics/relative-improvement-files.js';
export {
  type LengthControlledFit,
  type LengthControlledRow,
  type LengthControlledOptions,
  lengthControlledWinRate,
  ALPACA_EVAL_C_GRID,
} from './metrics/length-controlled.js';
export { fitL1Logistic, type L1LogisticOptions } from './metrics/l1-logistic.js';
export {
  type ArenaHardBattles,
  type ArenaHardScore,
  type ArenaHardScoreOptions,
  ARENA_HARD_STRONG_WEIGHT,
  arenaHardBattles,
  arenaHardScore,
  bradleyTerryWinProbability,
  eloFromWinProbability,
} from './metrics/arena-hard.js';
export {
  type AlpacaEvalScore,
  type AlpacaEvalScoreOptions,
  alpacaEvalScore,
  readInstructionDifficulty,
  recordPreference,
} from './metrics/alpaca-eval.js';
export {
  type JudgmentReport,
  type ReportJudgmentsOptions,
  reportJudgments,
  summarizeJudgmentsFile,
  formatJudgmentReport,
} from './metrics/report-judgments.js';
export {
  type GradeSummary,
  type ScoreStats,
  summarizeGrades,
  reportGrades,
  formatGradeReport,
} from './metrics/summarize-grades.js';

export type { SweepRow } from './sweep/sweep-row.js';
export { sweepChartSpec, CHART_FONT } from './sweep/chart-spec.js';
export { renderVegaLiteSvg } from './sweep/render-svg.js';
export { svgToPng, pngFontOptions } from './sweep/svg-to-png.js';
export { sweepReport, type SweepReportOptions, type SweepReportResult } from './sweep/sweep-report.js';
export { type TableFileName, parseTableFileName, rowKey } from './table/table-file-name.js';
export {
  type TableCell,
  type TableRow,
  type ResultsTable,
  type ResultsTableOptions,
  buildResultsTable,
  formatResultsMarkdown,
  formatResultsCsv,
} from './table/results-table.js';
export { resultsChartSpec } from './table/table-chart.js';
export { writeResultsTable, type WrittenResultsTable } from './table/write-results-table.js';
