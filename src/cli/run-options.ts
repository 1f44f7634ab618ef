import { readOptionFile } from './option-file.js';
import path from 'node:path';
import { DEFAULT_PROMPT, parseIntInRange, parsePositiveNumber, resolveConfig, type ResolvedConfig } from '../core/config.js';
import { UsageError } from '../core/errors.js';
import { parsePresets, planPrompt } from '../core/presets.js';
import { readDotenv } from './env-file.js';
import { parseDeliveryOptions, type DeliveryOptions } from './delivery-options.js';
import { parseShard } from '../core/shard.js';
import type { CliIO } from './io.js';
import { parseReasoningChoice, type ReasoningChoice } from '../core/reasoning.js';
import { parseEndpointOptions, type EndpointOptions } from './endpoint-options.js';
import type { RunSpec } from '../core/run/spec.js';

/** The run's resolved settings (the core RunSpec) plus what only the command line uses. */
export interface RunOptions extends RunSpec {
  config: ResolvedConfig;
  /** --deliver, --vocabulary, keyword counts, --context-from-metadata. */
  delivery: DeliveryOptions;
  /** --server, --price-in/--price-out, --no-vision-check, --tier, --tier-fallback. */
  endpoint: EndpointOptions;
  dryRun: boolean;
  /** --reconcile: audit each answer's cost against /generation after the run. */
  reconcile: boolean;
  /** -0/--null: paths on stdin are NUL-separated. */
  nullSeparated: boolean;
  json: boolean;
  quiet: boolean;
  progress: boolean;
  /** --shard: this machine's share of the photos. */
  shard?: import('../core/shard.js').Shard;
}

const DEFAULT_CREDIT_WAIT_MS = 12 * 3600_000;

/** Turns commander's raw flags into validated options; every bad value is a one-line UsageError. */
export function parseRunOptions(flags: Record<string, unknown>, io: CliIO): RunOptions {
  const str = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const config = resolveConfig({
    flags: {
      ...(str('apiKey') ? { apiKey: str('apiKey')! } : {}),
      ...(str('baseUrl') ? { baseUrl: str('baseUrl')! } : {}),
      ...(str('model') ? { model: str('model')! } : {}),
      ...(str('maxEdge') ? { maxEdge: str('maxEdge')! } : {}),
      ...(flags.allowInsecureHttp === true ? { allowInsecureHttp: true } : {}),
    },
    env: io.env,
    dotenv: readDotenv(io.cwd),
  });

  if (str('prompt') !== undefined && str('promptFile') !== undefined) {
    throw new UsageError('Use either --prompt or --prompt-file, not both.');
  }
  let customPrompt = str('prompt');
  const promptFile = str('promptFile');
  if (promptFile !== undefined) customPrompt = readText(io, promptFile, '--prompt-file').trim();
  if (customPrompt !== undefined && customPrompt.trim() === '') {
    throw new UsageError('The prompt is empty; pass --prompt "…" or a non-empty --prompt-file.');
  }
  const presets = str('preset') === undefined ? undefined : parsePresets(str('preset')!);
  const delivery = parseDeliveryOptions(flags, io.cwd);
  let schema: object | undefined;
  if (str('schema') !== undefined) {
    try {
      schema = JSON.parse(readText(io, str('schema')!, '--schema')) as object;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--schema ${str('schema')} is not valid JSON; check the file.`);
    }
  }
  const plan = planPrompt({
    ...(presets ? { presets } : {}),
    ...(customPrompt === undefined && !presets && !schema ? { customPrompt: DEFAULT_PROMPT } : customPrompt === undefined ? {} : { customPrompt }),
    ...(schema ? { schema } : {}),
    ...(str('lang') ? { langs: str('lang')!.split(',').map((l) => l.trim()).filter(Boolean) } : {}),
    ...(str('context') ? { context: str('context')! } : {}),
    ...(delivery.maxKeywords === undefined ? {} : { maxKeywords: delivery.maxKeywords }),
    ...(delivery.minKeywords === undefined ? {} : { minKeywords: delivery.minKeywords }),
    ...(delivery.vocabulary ? { vocabulary: delivery.vocabulary, vocabularyMode: delivery.vocabularyMode } : {}),
    ...(delivery.vocabularyHintTokens === undefined ? {} : { vocabularyHintTokens: delivery.vocabularyHintTokens }),
    contextFromMetadata: delivery.contextFromMetadata,
  });

  const options: RunOptions = {
    config,
    outDir: path.resolve(io.cwd, str('out') ?? './photobatch-out'),
    fallbackModels: (str('fallbackModel') ?? '').split(',').map((m) => m.trim()).filter(Boolean),
    plan,
    maxTokens: parseIntInRange(str('maxTokens') ?? '512', '--max-tokens', 1, 1_000_000),
    maxTokensExplicit: str('maxTokens') !== undefined,
    reasoning: parseReasoning(str('reasoning')),
    reasoningExplicit: str('reasoning') !== undefined && str('reasoning')!.trim().toLowerCase() !== 'auto',
    autoConcurrency: (str('concurrency') ?? '').trim().toLowerCase() === 'auto',
    concurrency: (str('concurrency') ?? '').trim().toLowerCase() === 'auto'
      ? parseIntInRange(str('maxConcurrency') ?? '64', '--max-concurrency', 1, 256)
      : parseIntInRange(str('concurrency') ?? '4', '--concurrency', 1, 256),
    quality: parseIntInRange(str('quality') ?? '80', '--quality', 1, 100),
    retries: parseIntInRange(str('retries') ?? '5', '--retries', 0, 100),
    timeoutMs: Math.round(parsePositiveNumber(str('timeout') ?? '120', '--timeout (seconds)') * 1000),
    sidecars: {
      kinds: [...new Set((flags.sidecar as ('xmp' | 'json' | 'txt')[] | undefined) ?? [])],
      inPlace: flags.sidecarInPlace === true,
      naming: delivery.sidecarNaming,
      overwrite: flags.overwrite === true,
    },
    delivery,
    contactSheet: flags.contactSheet !== false,
    dryRun: flags.dryRun === true,
    reconcile: flags.reconcile === true,
    nullSeparated: flags.null === true,
    json: flags.json === true,
    force: flags.force === true,
    quiet: flags.quiet === true,
    progress: flags.progress !== false,
    endpoint: parseEndpointOptions(flags),
  };
  if (str('shard') !== undefined) options.shard = parseShard(str('shard')!, io.env);
  if (str('rpm') !== undefined) options.rpm = parseIntInRange(str('rpm')!, '--rpm', 1, 1_000_000);
  if (str('maxCost') !== undefined) options.maxCostUsd = parsePositiveNumber(str('maxCost')!, '--max-cost (USD)');
  if (str('maxCostPerDay') !== undefined) options.maxCostPerDayUsd = parsePositiveNumber(str('maxCostPerDay')!, '--max-cost-per-day (USD)');
  if (str('modalities') !== undefined) options.modalities = str('modalities')!.split(',').map((m) => m.trim()).filter(Boolean);
  const wait = flags.waitForCredits;
  if (wait === true) options.waitForCreditsMs = DEFAULT_CREDIT_WAIT_MS;
  else if (typeof wait === 'string') options.waitForCreditsMs = parseDuration(wait, '--wait-for-credits');
  const waitLock = flags.waitLock;
  if (waitLock === true) options.waitLockMs = 3_600_000;
  else if (typeof waitLock === 'string') options.waitLockMs = parseDuration(waitLock, '--wait-lock');
  return options;
}

function parseReasoning(text: string | undefined): ReasoningChoice {
  if (text === undefined) return 'auto';
  const choice = parseReasoningChoice(text);
  if (!choice) throw new UsageError(`Invalid --reasoning "${text}". Use off, auto, or an effort: minimal, low, medium, high, xhigh, max.`);
  return choice;
}

function readText(io: CliIO, file: string, flag: string): string {
  return readOptionFile(io.cwd, file, flag).toString('utf8');
}

/** "90s", "15m", "2h", "1d" or plain seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`Invalid ${what} duration "${text}". Use e.g. 90s, 30m, 2h or 1d.`);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Math.round(Number(m[1]) * factor);
}
