import { readOptionFile } from './option-file.js';
import path from 'node:path';
import { DEFAULT_PROMPT, resolveConfig, type ResolvedConfig } from '../core/run/config.js';
import { UsageError } from '../core/errors.js';
import { parsePresets, planPrompt } from '../core/prompt/presets.js';
import { readDotenv } from './env-file.js';
import { parseDeliveryOptions, type DeliveryOptions } from './delivery-options.js';
import { parseShard } from '../core/source/shard.js';
import type { CliIO } from './io.js';
import { parseEndpointOptions, type EndpointOptions } from './endpoint-options.js';
import type { RunSpec } from '../core/run/spec.js';
import type { FlagCommand } from './flags/flag.js';
import { resolveFlags } from './flags/resolve.js';
import { RUN_FLAGS } from './flags/run-flags.js';

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
  shard?: import('../core/source/shard.js').Shard;
}

/**
 * Turns commander's raw flags into validated options, once: every value is parsed and every default applied by
 * the flag table (flags/run-flags.ts); what needs the environment or a file (config, prompt, schema) follows.
 * Every bad value is a one-line UsageError. `command` picks the rows (compare has its own --out default).
 */
export function parseRunOptions(flags: Record<string, unknown>, io: CliIO, command: FlagCommand = 'run'): RunOptions {
  const resolved = resolveFlags(RUN_FLAGS, flags, command);
  const { values: v, given } = resolved;
  const config = resolveConfig({
    flags: { apiKey: v.apiKey, baseUrl: v.baseUrl, model: v.model, maxEdge: v.maxEdge, allowInsecureHttp: v.allowInsecureHttp },
    env: io.env,
    dotenv: readDotenv(io.cwd),
  });

  if (v.prompt !== undefined && v.promptFile !== undefined) {
    throw new UsageError('Use either --prompt or --prompt-file, not both.');
  }
  const customPrompt = v.promptFile === undefined ? v.prompt : readText(io, v.promptFile, '--prompt-file').trim();
  if (customPrompt !== undefined && customPrompt.trim() === '') {
    throw new UsageError('The prompt is empty; pass --prompt "…" or a non-empty --prompt-file.');
  }
  const presets = v.preset === undefined ? undefined : parsePresets(v.preset);
  const delivery = parseDeliveryOptions(resolved, io.cwd);
  let schema: object | undefined;
  if (v.schema !== undefined) {
    try {
      schema = JSON.parse(readText(io, v.schema, '--schema')) as object;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--schema ${v.schema} is not valid JSON; check the file.`);
    }
  }
  const plan = planPrompt({
    presets, schema, context: v.context, langs: v.lang,
    customPrompt: customPrompt === undefined && !presets && !schema ? DEFAULT_PROMPT : customPrompt,
    maxKeywords: delivery.maxKeywords,
    minKeywords: delivery.minKeywords,
    ...(delivery.vocabulary ? { vocabulary: delivery.vocabulary, vocabularyMode: delivery.vocabularyMode } : {}),
    vocabularyHintTokens: delivery.vocabularyHintTokens,
    contextFromMetadata: delivery.contextFromMetadata,
  });

  return {
    config,
    outDir: path.resolve(io.cwd, v.out),
    fallbackModels: v.fallbackModel,
    plan,
    maxTokens: v.maxTokens,
    maxTokensExplicit: given('maxTokens'),
    reasoning: v.reasoning,
    reasoningExplicit: given('reasoning') && v.reasoning !== 'auto',
    autoConcurrency: v.concurrency === 'auto',
    concurrency: v.concurrency === 'auto' ? v.maxConcurrency : v.concurrency,
    quality: v.quality,
    retries: v.retries,
    timeoutMs: v.timeout,
    rpm: v.rpm,
    maxCostUsd: v.maxCost,
    maxCostPerDayUsd: v.maxCostPerDay,
    waitForCreditsMs: v.waitForCredits,
    waitLockMs: v.waitLock,
    modalities: v.modalities,
    shard: v.shard === undefined ? undefined : parseShard(v.shard, io.env),
    sidecars: { kinds: v.sidecar, inPlace: v.sidecarInPlace, naming: v.sidecarNaming, overwrite: v.overwrite },
    delivery,
    contactSheet: v.contactSheet,
    dryRun: v.dryRun,
    reconcile: v.reconcile,
    nullSeparated: v.null,
    json: v.json,
    force: v.force,
    quiet: v.quiet,
    progress: v.progress,
    endpoint: parseEndpointOptions(v),
  };
}

function readText(io: CliIO, file: string, flag: string): string {
  return readOptionFile(io.cwd, file, flag).toString('utf8');
}
