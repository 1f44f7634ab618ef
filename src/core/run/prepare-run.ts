import path from 'node:path';
import { UsageError } from '../errors.js';
import { redactKey } from '../send/openrouter/redact.js';
import type { Endpoint } from '../send/endpoints/open-endpoint.js';
import type { ModelPrice } from '../pricing/prices.js';
import type { ModelReasoning, ReasoningPlan } from '../prompt/reasoning.js';
import type { HistoryStats } from '../record/history.js';
import type { PhotoRef } from '../types.js';
import { knownInputs } from '../source/photo-source.js';
import type { PhotoList } from '../source/photo-list.js';
import type { RunSpec } from './spec.js';

/** Where the run use case reports what it found: the CLI prints these on stderr; a library may log them. */
export interface RunHooks {
  /** Environment for the endpoint (price cache location, …). */
  env: Record<string, string | undefined>;
  info?: (line: string) => void;
  warn?: (line: string) => void;
}

export interface RunSetup {
  endpoint: Endpoint;
  openRouter: boolean;
  price: ModelPrice | undefined;
  /** What the vision probe was billed; it counts against --max-cost like any request. */
  probeUsd: number;
  reasoning: { plan: ReasoningPlan; maxTokens: number };
}

/** The reasoning plan and the max_tokens that goes with it (headroom for thinking unless --max-tokens was given). */
export async function reasoningFor(opts: RunSpec, price: { reasoning?: ModelReasoning } | undefined, openRouter = true): Promise<RunSetup['reasoning']> {
  const { planReasoning } = await import('../prompt/reasoning.js');
  // `reasoning` is OpenRouter's request field; other servers get nothing they might reject.
  const plan = openRouter ? planReasoning(opts.config.model, opts.reasoning, price?.reasoning) : { on: false, expectedTokens: 0, headroomTokens: 0 };
  const maxTokens = opts.maxTokens + (opts.maxTokensExplicit ? 0 : plan.headroomTokens);
  return { plan: plan as ReasoningPlan, maxTokens };
}

/**
 * The run use case before the first photo, as `run` and `watch` (and a library) call it: open the
 * endpoint (key check on OpenRouter), say which key, model and server, check the model sees images,
 * find its price and plan reasoning. The caller closes `endpoint`.
 */
export async function openRun(opts: RunSpec, hooks: RunHooks): Promise<RunSetup> {
  const info = hooks.info ?? (() => {});
  const warn = hooks.warn ?? (() => {});
  const apiKey = opts.config.apiKey;
  const { openEndpoint, ensureVision } = await import('../send/endpoints/open-endpoint.js');
  const endpoint = await openEndpoint({
    baseURL: opts.config.baseURL, apiKey, timeoutMs: opts.timeoutMs, env: hooks.env,
    ...(opts.endpoint.serverKind ? { serverKind: opts.endpoint.serverKind } : {}),
    ...(opts.endpoint.priceIn === undefined ? {} : { priceIn: opts.endpoint.priceIn, priceOut: opts.endpoint.priceOut! }),
  });
  const openRouter = endpoint.server.kind === 'openrouter';
  try {
    for (const w of endpoint.warnings) warn(w);
    const remaining = endpoint.keyInfo?.limit_remaining;
    const tierText = opts.endpoint.tier.tier === 'flex' ? ` · tier flex (fallback: ${opts.endpoint.tier.fallback})` : '';
    info((openRouter
      ? `Key ${redactKey(apiKey)} · model ${opts.config.model}${tierText}` + (typeof remaining === 'number' ? ` · $${remaining.toFixed(2)} left under the key's limit` : '')
      : `Server: ${endpoint.server.name} at ${endpoint.server.baseURL} · model ${opts.config.model} · ${endpoint.priceLabel}${apiKey ? ` · key ${redactKey(apiKey)}` : ''}`));
    for (const n of endpoint.notes) info(n);
    if (!openRouter && opts.endpoint.tier.tier === 'flex') warn(`--tier flex is an OpenRouter option; ${endpoint.server.name} ignores it.`);
    let probeUsd = 0;
    if (opts.endpoint.visionCheck) {
      const verdict = await ensureVision(endpoint, opts.config.model);
      probeUsd = verdict?.probe?.usage.cost_usd ?? 0;
      if (verdict) info(`Vision: ${opts.config.model} reads images (${verdict.source}${verdict.probe ? `: ${verdict.detail}` : ''})`);
    }
    const price = endpoint.priceOf(opts.config.model);
    const capFlag = opts.maxCostUsd !== undefined ? '--max-cost' : opts.maxCostPerDayUsd !== undefined ? '--max-cost-per-day' : undefined;
    if (capFlag && (price === undefined || price.prompt === null || price.completion === null)) {
      throw new UsageError(openRouter
        ? `${capFlag} needs the price of ${opts.config.model}, which is unknown; pick a model listed by \`photobatch models\` or pass --price-in/--price-out.`
        : `${capFlag} needs a price, and ${endpoint.server.name} reports none; pass --price-in and --price-out (USD per million tokens).`);
    }
    // Said before anything is paid: without a listed price the estimates and the by-photo cost check are blind.
    if (openRouter && price === undefined && endpoint.prices?.source === 'live') {
      warn(`${opts.config.model} is not listed by ${opts.config.baseURL}/models, so its price is unknown: estimates will say "unknown" (the bill still uses what is charged). Check the model id with \`photobatch models\`.`);
    }
    const reasoning = await reasoningFor(opts, price, openRouter);
    if (reasoning.plan.note) info(reasoning.plan.note);
    return { endpoint, openRouter, price, probeUsd, reasoning };
  } catch (err) {
    await endpoint.close();
    throw err;
  }
}

/**
 * The batch settings `run` and `watch` share, from the parsed flags and the opened endpoint. The caps
 * count what is already billed into --out themselves (SpendCaps reads the journal), so a watch's
 * --max-cost covers the whole event.
 */
export function batchSettings(opts: RunSpec, setup: RunSetup, stats: HistoryStats) {
  const { openRouter, price, probeUsd, reasoning } = setup;
  return {
    outDir: opts.outDir, client: setup.endpoint.client, model: opts.config.model, fallbackModels: opts.fallbackModels,
    prompt: opts.plan, maxTokens: reasoning.maxTokens, jobMaxTokens: opts.maxTokens, contactSheet: opts.contactSheet,
    reasoning: { ...(reasoning.plan.field ? { field: reasoning.plan.field } : {}), expectedTokens: reasoning.plan.on ? reasoning.plan.expectedTokens : 0, inJob: opts.reasoningExplicit },
    ...(opts.maxCostPerDayUsd === undefined ? {} : { maxCostPerDayUsd: Math.max(0, opts.maxCostPerDayUsd - probeUsd) }),
    ...(stats.requestsPerPhoto === undefined ? {} : { expectedRequestsPerPhoto: stats.requestsPerPhoto }),
    ...(opts.modalities ? { requestExtra: { modalities: opts.modalities } } : {}), concurrency: opts.concurrency, autoConcurrency: opts.autoConcurrency, retries: opts.retries,
    quality: opts.quality, maxEdge: opts.config.maxEdge, maxEdgeExplicit: opts.config.maxEdgeExplicit, force: opts.force,
    ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
    ...(opts.maxCostUsd === undefined ? {} : { maxCostUsd: Math.max(0, opts.maxCostUsd - probeUsd) }),
    ...(opts.waitLockMs === undefined ? {} : { lockWaitMs: opts.waitLockMs }),
    // Credits are polled on OpenRouter's /key, which no other server has.
    ...(opts.waitForCreditsMs === undefined || !openRouter ? {} : { waitForCreditsMs: opts.waitForCreditsMs }),
    ...(openRouter && opts.endpoint.tier.tier === 'flex' ? { tier: opts.endpoint.tier } : {}),
    ...(price === undefined ? {} : { price }),
    ...(stats.avgCompletionTokens === undefined ? {} : { expectedOutputTokens: stats.avgCompletionTokens }),
  };
}

/** --deliver writes copies beside nothing photobatch reads or reports into. */
export function checkDeliverDir(opts: RunSpec): void {
  const deliverDir = opts.delivery.deliverDir;
  if (deliverDir !== undefined && path.resolve(deliverDir) === path.resolve(opts.outDir)) {
    throw new UsageError('--deliver needs a folder of its own, not the --out folder (sidecars and reports live there); e.g. --deliver ./delivered');
  }
}

/**
 * Per-photo writers besides the journal: sidecars, delivered copies, and the metadata reader for
 * --context-from-metadata. Shared by run and watch; `close()` ends them all.
 */
export async function openPhotoOutputs(opts: RunSpec, photos: readonly PhotoRef[] | PhotoList) {
  // Which files photobatch created, so it never replaces one it did not (every input photo is the user's).
  const { OutputManifest } = await import('../safety/output-manifest.js');
  const manifest = new OutputManifest(opts.outDir, knownInputs(photos));
  const sidecars = opts.sidecars.kinds.length === 0
    ? undefined
    : (await import('../outputs/sidecars/index.js')).createSidecarWriter({ ...opts.sidecars, outDir: opts.outDir, photos, manifest });
  const deliverDir = opts.delivery.deliverDir;
  const deliverer = deliverDir === undefined
    ? undefined
    : (await import('../outputs/deliver/deliver.js')).createDeliverer({ dir: deliverDir, naming: opts.sidecars.naming });
  const metadataReader = opts.delivery.contextFromMetadata ? (await import('../prompt/metadata-context.js')).createMetadataContextReader() : undefined;
  return {
    manifest,
    batch: {
      manifest,
      ...(sidecars ? { sidecars } : {}),
      ...(deliverer ? { deliverer } : {}),
      ...(metadataReader ? { metadataContext: (photo: PhotoRef) => metadataReader.read(photo) } : {}),
    },
    async close() {
      await sidecars?.close();
      await deliverer?.close();
      await metadataReader?.close();
    },
  };
}
