/**
 * OpenRouter's flex tier and `:floor` variant (openrouter-api.md §15): the same synchronous API with base64 photos,
 * at a discount, billed at the tier that actually served.
 */
import { ApiError } from './openrouter/api-error.js';
import type { ChatBody, ChatSuccess } from './openrouter/client.js';
import type { ModelPrice } from '../pricing/prices.js';
import type { ResultRecord } from '../types.js';
import { tokensUsd } from './endpoints/self-price.js';

export type Tier = 'standard' | 'flex';
export type TierFallback = 'standard' | 'wait';

export interface TierOptions {
  tier: Tier;
  /** When flex capacity is refused: send at the standard tier at once, or wait and try flex again. */
  fallback: TierFallback;
}

/**
 * Flex price as a fraction of standard, where it is published: OpenAI prices flex at its Batch API rates, half of
 * standard (developers.openai.com/api/docs/guides/flex-processing), Google's flex is 50 % below standard
 * (ai.google.dev/gemini-api/docs/flex-inference); OpenRouter's own example calls flex on openai/gpt-5 a 50 % discount.
 * Other providers sell no flex tier (service-tiers.mdx): null = unknown, and such a request runs at standard price.
 */
export function flexRatio(model: string): number | null {
  const id = model.trim().toLowerCase().replace(/^~/, '');
  return /^(openai|google)\//.test(id) ? 0.5 : null;
}

/**
 * What is known of a model's flex tier: 'flex' (a published flex price), 'none' (its provider sells no flex tier:
 * service-tiers.mdx lists only OpenAI and Google with flex, SpaceXAI with priority only, Anthropic with neither), or
 * 'unknown' (served through other providers, whose tiers the list does not show).
 */
export function flexSupport(model: string): 'flex' | 'none' | 'unknown' {
  if (flexRatio(model.replace(/:floor$/i, '')) !== null) return 'flex';
  return /^~?(anthropic|x-ai|spacexai)\//i.test(model.trim()) ? 'none' : 'unknown';
}

/** `-m model:floor` admits flex endpoints too; `--tier flex` asks for them. Either may be served at either tier. */
export function mayServeFlex(model: string, tier: Tier): boolean {
  return tier === 'flex' || /:floor$/i.test(model.trim());
}

/** The flex-tier price of a model, or undefined when unknown. */
export function flexPrice(price: ModelPrice | undefined, model: string): ModelPrice | undefined {
  const ratio = flexRatio(model.replace(/:floor$/i, ''));
  if (!price || ratio === null) return undefined;
  const scale = (x: number | null) => (x === null ? null : x * ratio);
  return { ...price, prompt: scale(price.prompt), completion: scale(price.completion), image: scale(price.image) };
}

/**
 * A flex request refused for capacity. OpenRouter does not document the status (openrouter-api.md §15, §17.4);
 * OpenAI's own flex refuses with 429 "Resource Unavailable". So a 429 or 503 to a flex request counts as a capacity
 * refusal, except the free-model daily quota, which is a stop of its own.
 */
export function isFlexRefusal(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.status === 429 || err.status === 503) && err.action !== 'stop_run';
}

/**
 * Wraps one chat call with the tier: adds `service_tier: "flex"` and, when flex capacity is refused, either sends the
 * same request at the standard tier at once ('standard') or turns the refusal into a wait the sender paces ('wait').
 * The tier is deliberately not in the job fingerprint: an answer is worth the same at either tier, so switching
 * --tier never pays for a photo twice.
 */
export function withTier(
  chat: (body: ChatBody, opts?: { signal?: AbortSignal }) => Promise<ChatSuccess>,
  opts: TierOptions,
): (body: ChatBody, o?: { signal?: AbortSignal }) => Promise<ChatSuccess> {
  if (opts.tier !== 'flex') return chat;
  return async (body, o) => {
    try {
      return await chat({ ...body, service_tier: 'flex' }, o);
    } catch (err) {
      if (!isFlexRefusal(err)) throw err;
      if (opts.fallback === 'standard') return chat(body, o);
      throw new ApiError(`Flex capacity refused (${err.message}); waiting to try the flex tier again (--tier-fallback wait).`, {
        status: err.status, kind: 'rate_limited', action: 'wait', retryAfterMs: err.retryAfterMs, cause: err,
      });
    }
  };
}

export interface TierSummary {
  /** Photos answered per served tier ("default", "flex", "priority", "unknown"). */
  photos: Record<string, number>;
  /** Billed at flex, and what the same tokens cost at the standard price; null when the price is unknown. */
  flexBilledUsd: number;
  flexAtStandardUsd: number | null;
  savedUsd: number | null;
}

/** Photos per served tier and what flex saved against the standard price of the same tokens. */
export function summarizeTiers(records: readonly ResultRecord[], standard: ModelPrice | undefined): TierSummary {
  const tally = new TierTally(standard);
  for (const r of records) tally.add(r);
  return tally.summary();
}

/** The same summary, one record at a time (the CLI feeds it as records are written, without keeping them). */
export class TierTally {
  readonly #photos: Record<string, number> = {};
  #flexBilled = 0;
  #atStandard: number | null = 0;
  constructor(readonly standard: ModelPrice | undefined) {}
  add(r: ResultRecord): void {
    if (r.status !== 'ok' || r.duplicate_of !== undefined || r.moved_from !== undefined) return;
    const tier = r.service_tier ?? 'unknown';
    this.#photos[tier] = (this.#photos[tier] ?? 0) + 1;
    if (tier !== 'flex') return;
    this.#flexBilled += r.usage?.cost_usd ?? 0;
    const std = this.standard && r.usage ? tokensUsd(this.standard, r.usage.prompt_tokens, r.usage.completion_tokens) : null;
    this.#atStandard = this.#atStandard === null || std === null ? null : this.#atStandard + std;
  }
  summary(): TierSummary {
    const atStandard = this.#atStandard;
    return {
      photos: { ...this.#photos }, flexBilledUsd: this.#flexBilled, flexAtStandardUsd: atStandard,
      savedUsd: atStandard === null ? null : Math.max(0, atStandard - this.#flexBilled),
    };
  }
}
