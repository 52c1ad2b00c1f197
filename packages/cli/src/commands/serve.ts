import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { type ModelSession, type ModelSessionOptions, openModelSession } from '../model-session.js';
import { addModelSessionFlags } from '../model-session-flags.js';
import { addDeprecatedFlag } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';
import { type RunningServer, startServer } from '../serve/server.js';
import type { RequestRecord } from '../serve/types.js';

/** Options of `aligndial serve`: the model session's (model, adapter or aligned model, λ, edits) and the server's. */
export interface ServeCommandOptions extends ModelSessionOptions {
  host: string;
  port: number;
  apiKey?: string;
  modelName?: string;
  maxQueue: number;
  /** Most tokens one request may generate (`--max-new-tokens`; OpenAI's `max_tokens` asks for at most this). */
  maxNewTokens: number;
  maxBodyBytes: number;
  shutdownGrace: number;
  /** Browser origins allowed to call the API (`--allow-origin`, repeatable or comma-separated). */
  allowOrigin?: string[];
  /** Seconds a client may take to send its whole request (default 30). */
  requestTimeout?: number;
  quiet?: boolean;
}

export function registerServeCommand(program: Command): void {
  const command = addModelSessionFlags(
    program.command('serve').description('Serve a model over an OpenAI-compatible HTTP API with per-request λ, plus a λ-slider chat page at /.'),
  )
    .option('--host <address>', 'interface to listen on (0.0.0.0 = every interface; then set --api-key)', '127.0.0.1')
    .option('--port <n>', 'TCP port (0 = any free port)', intOption(0, 65535), 8000)
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1/* (env ALIGNDIAL_API_KEY)')
    .option('--model-name <id>', 'the model id clients send; "default" is always accepted too (default: the model directory name)')
    .option('--max-queue <n>', 'requests that may wait behind the running one; more get HTTP 429', intOption(0, 100_000), 16)
    .option('--max-new-tokens <n>', 'tokens to generate at most, per request (its max_tokens may ask for fewer)', intOption(0, 1_000_000), 1024)
    .option('--max-body-bytes <n>', 'largest request body; larger gets HTTP 413', intOption(1024), 1024 * 1024)
    .option('--shutdown-grace <seconds>', 'on Ctrl-C/SIGTERM, how long the running answer may finish', numberOption(0), 10)
    .option(
      '--allow-origin <origin>',
      'let web pages from this origin (e.g. http://localhost:3000) call the API; repeatable. Other sites\' pages get HTTP 403 (cross-origin and DNS-rebinding protection)',
      (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((o) => o.trim()).filter(Boolean)],
    )
    .option('--request-timeout <seconds>', 'time a client may take to send its whole request (then HTTP 408); answers may take longer', numberOption(1), 30)
    .option('--quiet', 'do not log requests');
  // The lead's session flags may define the steering defaults already; add them only if not.
  const has = (flag: string) => command.options.some((o) => o.long === flag);
  addDeprecatedFlag(command, { old: '--max-tokens', replacement: '--max-new-tokens' });
  if (!has('--lambda')) command.option('--lambda <λ>', 'λ for requests that send none (0 base, 1 aligned, > 1 extrapolate; needs --adapter or --aligned-model)', numberOption());
  if (!has('--edit-strength')) command.option('--edit-strength <s>', 'AlignEZ strength for requests that send none (needs AlignEZ edits)', numberOption());
  command
    .addHelpText(
      'after',
      [
        '',
        'Requests take OpenAI\'s fields plus `lambda` (also `vllm_xargs.lambda`) and `alignez: {enabled, strength}`.',
        'Like OpenAI, a request without `temperature` samples: it uses generation_config.json\'s temperature, else 1',
        '(`aligndial generate` is greedy by default); send "temperature": 0 for greedy answers.',
        '',
        'Examples:',
        '  aligndial clm train --model DIR --data prefs.jsonl --out ./adapter',
        '  aligndial serve --model DIR --adapter ./adapter --port 8000',
        '  curl -s localhost:8000/v1/chat/completions -H "Content-Type: application/json" \\',
        '    -d \'{"model":"default","messages":[{"role":"user","content":"Hi"}],"lambda":1.5,"max_tokens":64}\'',
        '  open http://127.0.0.1:8000/ for the λ-slider chat',
      ].join('\n'),
    )
    .action(async (options: ServeCommandOptions) => {
      await runServe(options);
    });
}

/**
 * Opens the model, serves it until SIGINT/SIGTERM (or `stop` aborts), shuts down gracefully and
 * frees the model. `onListening` gets the running server (tests use it for the URL).
 */
export async function runServe(
  options: ServeCommandOptions,
  { stop, onListening, stderr = process.stderr, openSession = openModelSession }: {
    stop?: AbortSignal;
    onListening?: (server: RunningServer) => void;
    stderr?: NodeJS.WritableStream;
    openSession?: typeof openModelSession;
  } = {},
): Promise<void> {
  const session: ModelSession = await openSession(options);
  let server: RunningServer;
  try {
    server = await startServer({
      session,
      modelId: options.modelName ?? basename(resolve(options.model)),
      host: options.host,
      port: options.port,
      apiKey: options.apiKey ?? (process.env.ALIGNDIAL_API_KEY || undefined),
      maxQueue: options.maxQueue,
      maxTokens: options.maxNewTokens,
      maxBodyBytes: options.maxBodyBytes,
      allowOrigins: options.allowOrigin,
      requestTimeoutMs: (options.requestTimeout ?? 30) * 1000,
      // The session's defaults (λ = 1 with an adapter unless --lambda says otherwise; edits on with --edits).
      defaultSteering: {
        lambda: session.steeringSupport.lambda ? session.defaultSteering.lambda : undefined,
        edits: session.steeringSupport.alignez ? session.defaultSteering.edits : undefined,
        editStrength: session.steeringSupport.alignez ? session.defaultSteering.editStrength : undefined,
      },
      onRequest: options.quiet ? undefined : (record) => stderr.write(`${formatRecord(record)}\n`),
    });
  } catch (error) {
    session.dispose();
    throw error;
  }
  const { state } = server;
  const loopback = /^(127\.|::1$|localhost$)/.test(options.host);
  stderr.write(
    `aligndial serve: "${state.modelId}" (${session.backend.name}) on ${server.url}\n` +
      `  chat page ${server.url}/   API ${server.url}/v1   λ ${state.support.lambda ? `default ${state.defaultSteering.lambda ?? 'none'}` : 'unavailable (no --adapter or --aligned-model)'}` +
      `   AlignEZ ${state.support.alignez ? 'available' : 'unavailable'}\n` +
      (!loopback && !state.options.apiKey ? `  warning: listening on ${options.host} without --api-key: anyone who can reach this port can use the model\n` : '') +
      '  Ctrl-C to stop\n',
  );
  onListening?.(server);

  await new Promise<void>((done) => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const forceExit = () => process.exit(130);
    const shutdown = (why: string) => {
      for (const s of signals) process.off(s, onSignal);
      stop?.removeEventListener('abort', onStop);
      // A second Ctrl-C does not wait for the running answer.
      for (const s of signals) process.once(s, forceExit);
      stderr.write(`aligndial serve: ${why}; finishing the running request (up to ${options.shutdownGrace} s)…\n`);
      server.close({ graceMs: options.shutdownGrace * 1000 }).then(() => {
        for (const s of signals) process.off(s, forceExit);
        done();
      });
    };
    const onSignal = (signal: NodeJS.Signals) => shutdown(`${signal} received`);
    const onStop = () => shutdown('stopping');
    for (const s of signals) process.once(s, onSignal);
    if (stop?.aborted) onStop();
    else stop?.addEventListener('abort', onStop, { once: true });
  });
  session.dispose();
  stderr.write('aligndial serve: stopped\n');
}

function formatRecord(r: RequestRecord): string {
  const steer = `λ=${r.lambda ?? '-'} alignez=${r.alignez.enabled === null ? '-' : r.alignez.enabled ? `on×${r.alignez.strength ?? '-'}` : 'off'}`;
  return `${new Date(r.startedAt).toISOString()} ${r.status} ${r.endpoint}${r.stream ? ' stream' : ''} ${steer} tokens=${r.promptTokens}+${r.completionTokens} ${r.finishReason ?? '-'} ${r.durationMs}ms${r.error ? ` "${r.error}"` : ''}`;
}
