import { UsageError } from '../core/errors.js';
import { redactKey } from '../core/openrouter/redact.js';
import type { Endpoint } from '../core/endpoints/open-endpoint.js';
import type { ModelPrice } from '../core/pricing/prices.js';
import type { CliIO } from './io.js';
import type { RunOptions } from './run-options.js';

export interface RunSetup {
  endpoint: Endpoint;
  openRouter: boolean;
  price: ModelPrice | undefined;
  /** What the vision probe was billed; it counts against --max-cost like any request. */
  probeUsd: number;
}

/**
 * What `run` and `watch` do before the first photo: open the endpoint (key check on OpenRouter),
 * say which key, model and server, check the model sees images, and find its price. The caller
 * closes `endpoint`.
 */
export async function openRunEndpoint(
  opts: RunOptions,
  io: CliIO,
  s: { dim: (t: string) => string; yellow: (t: string) => string },
): Promise<RunSetup> {
  const info = (line: string) => {
    if (!opts.quiet) io.stderr.write(line + '\n');
  };
  const apiKey = opts.config.apiKey;
  const { openEndpoint, ensureVision } = await import('../core/endpoints/open-endpoint.js');
  const endpoint = await openEndpoint({
    baseURL: opts.config.baseURL, apiKey, timeoutMs: opts.timeoutMs, env: io.env,
    ...(opts.endpoint.serverKind ? { serverKind: opts.endpoint.serverKind } : {}),
    ...(opts.endpoint.priceIn === undefined ? {} : { priceIn: opts.endpoint.priceIn, priceOut: opts.endpoint.priceOut! }),
  });
  const openRouter = endpoint.server.kind === 'openrouter';
  try {
    for (const w of endpoint.warnings) io.stderr.write(s.yellow(`Warning: ${w}`) + '\n');
    const remaining = endpoint.keyInfo?.limit_remaining;
    const tierText = opts.endpoint.tier.tier === 'flex' ? ` · tier flex (fallback: ${opts.endpoint.tier.fallback})` : '';
    info(s.dim(openRouter
      ? `Key ${redactKey(apiKey)} · model ${opts.config.model}${tierText}` + (typeof remaining === 'number' ? ` · $${remaining.toFixed(2)} left under the key's limit` : '')
      : `Server: ${endpoint.server.name} at ${endpoint.server.baseURL} · model ${opts.config.model} · ${endpoint.priceLabel}${apiKey ? ` · key ${redactKey(apiKey)}` : ''}`));
    for (const n of endpoint.notes) info(s.dim(n));
    if (!openRouter && opts.endpoint.tier.tier === 'flex') io.stderr.write(s.yellow(`Warning: --tier flex is an OpenRouter option; ${endpoint.server.name} ignores it.`) + '\n');
    let probeUsd = 0;
    if (opts.endpoint.visionCheck) {
      const verdict = await ensureVision(endpoint, opts.config.model);
      probeUsd = verdict?.probe?.usage.cost_usd ?? 0;
      if (verdict) info(s.dim(`Vision: ${opts.config.model} reads images (${verdict.source}${verdict.probe ? `: ${verdict.detail}` : ''})`));
    }
    const price = endpoint.priceOf(opts.config.model);
    if (opts.maxCostUsd !== undefined && (price === undefined || price.prompt === null || price.completion === null)) {
      throw new UsageError(openRouter
        ? `--max-cost needs the price of ${opts.config.model}, which is unknown; pick a model listed by \`photobatch models\` or pass --price-in/--price-out.`
        : `--max-cost needs a price, and ${endpoint.server.name} reports none; pass --price-in and --price-out (USD per million tokens).`);
    }
    return { endpoint, openRouter, price, probeUsd };
  } catch (err) {
    await endpoint.close();
    throw err;
  }
}

/**
 * The batch settings `run` and `watch` share, from the parsed flags and the opened endpoint.
 * `spentUsd` is what is already billed against --max-cost (the vision probe; for watch, the whole event so far).
 */
export function batchSettings(opts: RunOptions, setup: RunSetup, extra: { expectedOutputTokens?: number | undefined; spentUsd?: number }) {
  const { openRouter, price } = setup;
  return {
    outDir: opts.outDir, client: setup.endpoint.client, model: opts.config.model, fallbackModels: opts.fallbackModels,
    prompt: opts.plan, maxTokens: opts.maxTokens, contactSheet: opts.contactSheet,
    ...(opts.modalities ? { requestExtra: { modalities: opts.modalities } } : {}), concurrency: opts.concurrency, retries: opts.retries,
    quality: opts.quality, maxEdge: opts.config.maxEdge, maxEdgeExplicit: opts.config.maxEdgeExplicit, force: opts.force,
    ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
    ...(opts.maxCostUsd === undefined ? {} : { maxCostUsd: Math.max(0, opts.maxCostUsd - setup.probeUsd - (extra.spentUsd ?? 0)) }),
    // Credits are polled on OpenRouter's /key, which no other server has.
    ...(opts.waitForCreditsMs === undefined || !openRouter ? {} : { waitForCreditsMs: opts.waitForCreditsMs }),
    ...(openRouter && opts.endpoint.tier.tier === 'flex' ? { tier: opts.endpoint.tier } : {}),
    ...(price === undefined ? {} : { price }),
    ...(extra.expectedOutputTokens === undefined ? {} : { expectedOutputTokens: extra.expectedOutputTokens }),
  };
}
