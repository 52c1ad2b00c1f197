import { type Edits, createEditHooksForQueries, loadEdits } from '@aligndial/alignez';
import { type ClmModel, applyAdapter, assertSameTokenizer, createClmDecoder, createDeraDecoder, readAdapterManifest, validateLambda } from '@aligndial/clm';
import {
  AligndialError,
  type BackendInfo,
  type BackendName,
  type ChatMessage,
  type GenerateOptions,
  type GenerateResult,
  type GenerationDefaults,
  type StepDecoder,
  Tokenizer,
  type Transformer,
  type WeightsChoice,
  createModelDecoder,
  generate,
  loadGenerationDefaults,
  loadModel,
} from '@aligndial/core';
import { loadPretrained } from './load-pretrained.js';

/** What every command that generates text accepts: the model and how it is steered. */
export interface ModelSessionOptions {
  model: string;
  backend?: BackendName | 'auto';
  /** `--weights`: storage of frozen matrices in the matmul engine (default auto). */
  weights?: WeightsChoice;
  /** `--threads`: the matmul engine's thread count. */
  threads?: number;
  /** A CLM adapter directory (`aligndial clm train/expand --out`). */
  adapter?: string;
  /**
   * DeRa (CLM paper Eq. 7): an aligned model directory whose logits are mixed with `model`'s
   * (the reference) at every step, λ·aligned + (1 − λ)·reference. Both must share one tokenizer.
   */
  alignedModel?: string;
  /** Default λ when an adapter or an aligned model is loaded (1 = aligned). */
  lambda?: number;
  /** An AlignEZ/CAA edits directory (`aligndial alignez fit --out`). */
  edits?: string;
  /** Default edit strength α (1 = the paper). */
  editStrength?: number;
  /**
   * Accept an adapter or edits made for other weights of the same shape (e.g. base edits on a DPO model);
   * the CLI's `--allow-weights-mismatch`, clm's and alignez's `allowWeightsMismatch`.
   */
  allowWeightsMismatch?: boolean;
  /** @deprecated Use `allowWeightsMismatch` (removed in the next release). */
  allowModelMismatch?: boolean;
}

/**
 * Per-call alignment controls. `lambda` needs a CLM adapter (λ = 0 is the base model, 1 the
 * aligned one, > 1 extrapolates); `edits`/`editStrength` need fitted AlignEZ directions.
 * Fields left out use the session's defaults (from the command line).
 */
export interface Steering {
  lambda?: number;
  edits?: boolean;
  editStrength?: number;
}

/** What a decoder is for: AlignEZ's k-NN directions are chosen per query text. */
export interface DecoderContext {
  /** The request's prompt (its query text is the prompt, or a chat's last user message), or its token ids. */
  prompt?: string | readonly ChatMessage[] | readonly number[];
  /** The prompt's token ids, as generation will feed them (the server passes them). */
  promptIds?: readonly number[];
  /** The raw user texts of a batch, one per row (overrides `prompt`). */
  queries?: readonly string[];
}

/** A loaded model with its tokenizer, able to make decoders and generate text. */
export interface ModelSession {
  /** The base model (with a CLM adapter: the reference path, i.e. λ = 0; with DeRa: the reference model). */
  readonly model: Transformer;
  readonly clm?: ClmModel;
  /** DeRa's aligned model (`--aligned-model`), mixed with `model` at λ. */
  readonly aligned?: Transformer;
  readonly edits?: Edits;
  readonly tokenizer: Tokenizer;
  readonly backend: BackendInfo;
  readonly defaults: GenerationDefaults;
  /** The steering used when a call leaves a field out. */
  readonly defaultSteering: Required<Steering>;
  /** Which controls this session can honour: λ needs an adapter or an aligned model, AlignEZ needs edits. */
  readonly steeringSupport: { lambda: boolean; alignez: boolean };
  /**
   * A fresh StepDecoder (one per generate call; it holds the KV cache), steered as asked.
   */
  createDecoder(steering?: Steering, context?: DecoderContext): StepDecoder;
  /** Prompt ids for raw text (BOS added) or a chat (the model's chat template, generation prompt added). */
  encodePrompt(prompt: string | readonly ChatMessage[]): number[];
  /** Generates for a batch of prompts with the session's decoder, EOS and tokenizer filled in. */
  generate(prompts: readonly (string | readonly ChatMessage[])[], options?: GenerateOptions & { steering?: Steering }): Promise<GenerateResult>;
  dispose(): void;
}

function isIdList(prompt: DecoderContext['prompt']): prompt is readonly number[] {
  return Array.isArray(prompt) && prompt.length > 0 && typeof prompt[0] === 'number';
}

/** The text AlignEZ conditions on: the prompt, or a chat's last user message. */
export function queryText(prompt: string | readonly ChatMessage[]): string {
  if (typeof prompt === 'string') return prompt;
  for (let i = prompt.length - 1; i >= 0; i--) if (prompt[i].role === 'user') return prompt[i].content;
  return prompt.map((m) => m.content).join('\n');
}

/** DeRa's aligned model, checked against the reference's tokenizer (DeRa mixes logits id by id). */
function loadAlignedModel(options: ModelSessionOptions, tokenizer: Tokenizer): Transformer {
  const dir = options.alignedModel!;
  assertSameTokenizer(Tokenizer.fromDir(dir), tokenizer, { aligned: `--aligned-model ${dir}`, reference: `--model ${options.model}` });
  return loadModel(dir);
}

export async function openModelSession(options: ModelSessionOptions): Promise<ModelSession> {
  if (options.adapter && options.alignedModel) {
    throw new AligndialError('give --adapter DIR (a CLM) or --aligned-model DIR (DeRa), not both');
  }
  if (options.alignedModel && options.edits) throw new AligndialError('--edits cannot be combined with --aligned-model (DeRa)');
  if (options.lambda !== undefined && !options.adapter && !options.alignedModel) {
    throw new AligndialError('--lambda needs --adapter DIR (a CLM adapter) or --aligned-model DIR (DeRa)');
  }
  if (options.lambda !== undefined) validateLambda(options.lambda, '--lambda'); // before the model loads, not at the first request
  if (options.editStrength !== undefined && !options.edits) throw new AligndialError('--edit-strength needs --edits DIR (fitted AlignEZ directions)');
  if (options.adapter) readAdapterManifest(options.adapter); // a bad adapter fails before the (large) base is read
  const { model: base, tokenizer, backend } = await loadPretrained(options.model, options.backend, options);
  let clm: ClmModel | undefined;
  let edits: Edits | undefined;
  let aligned: Transformer | undefined;
  try {
    const allowWeightsMismatch = options.allowWeightsMismatch ?? options.allowModelMismatch;
    aligned = options.alignedModel ? loadAlignedModel(options, tokenizer) : undefined;
    clm = options.adapter ? applyAdapter(base, options.adapter, { allowWeightsMismatch }) : undefined;
    // With an adapter, edits apply to the CLM's reference path (λ = 0): the base weights.
    edits = options.edits ? loadEdits(options.edits, clm ? clm.reference : base, { allowWeightsMismatch }) : undefined;
  } catch (error) {
    (clm ?? base).dispose();
    aligned?.dispose();
    throw error;
  }
  const model = clm ? clm.reference : base;
  const defaults = loadGenerationDefaults(options.model, model.config);
  const defaultSteering: Required<Steering> = {
    lambda: options.lambda ?? 1,
    edits: edits !== undefined,
    editStrength: options.editStrength ?? 1,
  };

  const session: ModelSession = {
    model,
    clm,
    aligned,
    edits,
    tokenizer,
    backend,
    defaults,
    defaultSteering,
    steeringSupport: { lambda: clm !== undefined || aligned !== undefined, alignez: edits !== undefined },
    createDecoder(steering = {}, context = {}) {
      const queries = context.queries ?? (context.prompt !== undefined && !isIdList(context.prompt) ? [queryText(context.prompt)] : []);
      if (steering.lambda !== undefined && !clm && !aligned) {
        throw new AligndialError('λ (lambda) needs a CLM adapter or an aligned model: start with --adapter DIR or --aligned-model DIR');
      }
      const wantEdits = steering.edits ?? defaultSteering.edits;
      if (wantEdits && !edits) throw new AligndialError('AlignEZ edits need fitted directions: start with --edits DIR');
      const hooks =
        wantEdits && edits
          ? createEditHooksForQueries(model, tokenizer, edits, { queries, strength: steering.editStrength ?? defaultSteering.editStrength })
          : undefined;
      const lambda = steering.lambda ?? defaultSteering.lambda;
      const decoder = clm
        ? createClmDecoder(clm, { lambda, hooks })
        : aligned
          ? createDeraDecoder(aligned, model, { lambda, hooks })
          : createModelDecoder(model, { hooks });
      return {
        vocabSize: decoder.vocabSize,
        next: (ids, mask) => decoder.next(ids, mask),
        dispose() {
          decoder.dispose();
          hooks?.dispose();
        },
      };
    },
    encodePrompt: (prompt) =>
      typeof prompt === 'string' ? tokenizer.encode(prompt) : tokenizer.encodeChat(prompt, { addGenerationPrompt: true }),
    async generate(prompts, { steering, ...generateOptions } = {}) {
      const decoder = session.createDecoder(steering, { queries: prompts.map(queryText) });
      try {
        return await generate(
          decoder,
          prompts.map((p) => session.encodePrompt(p)),
          {
            eosTokenIds: tokenizer.eosTokenIds.length > 0 ? tokenizer.eosTokenIds : defaults.eosTokenIds,
            tokenizer,
            ...generateOptions,
          },
        );
      } finally {
        decoder.dispose();
      }
    },
    dispose: () => {
      (clm ?? model).dispose();
      aligned?.dispose();
    },
  };
  return session;
}
