import type { Usage } from '../../types.js';

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/**
 * The `usage` object of an answer, as photobatch bills it (openrouter-api.md §2.2):
 * spend = `cost` + (`is_byok` ? `cost_details.upstream_inference_cost` : 0). Both parts are kept for BYOK answers.
 * A missing `cost` is unknown (null), never 0 — except for an answer OpenRouter documents as free (`free`).
 */
export function parseUsage(raw: unknown, opts: { free?: boolean } = {}): Usage {
  const u = rec(raw);
  const details = rec(u?.completion_tokens_details);
  const costDetails = rec(u?.cost_details);
  const usage: Usage = {
    prompt_tokens: num(u?.prompt_tokens) ?? 0,
    completion_tokens: num(u?.completion_tokens) ?? 0,
    cost_usd: null,
    requests: 1,
  };
  const reasoning = num(details?.reasoning_tokens);
  if (reasoning) usage.reasoning_tokens = reasoning;
  const cost = num(u?.cost);
  const byok = u?.is_byok === true;
  const upstream = num(costDetails?.upstream_inference_cost);
  if (byok) {
    usage.is_byok = true;
    usage.openrouter_cost_usd = cost ?? 0;
    if (upstream !== null) usage.upstream_cost_usd = upstream;
    // Without the upstream figure a BYOK answer's real cost is unknown: the provider billed it elsewhere.
    usage.cost_usd = upstream === null ? (opts.free ? 0 : null) : (cost ?? 0) + upstream;
  } else {
    usage.cost_usd = cost ?? (opts.free ? 0 : null);
  }
  return usage;
}

/** Sums billed usage; an unknown cost makes the sum unknown. */
export function addUsage(into: Usage, u: Usage): void {
  into.prompt_tokens += u.prompt_tokens;
  into.completion_tokens += u.completion_tokens;
  into.cost_usd = into.cost_usd === null || u.cost_usd === null ? null : into.cost_usd + u.cost_usd;
  if (u.reasoning_tokens) into.reasoning_tokens = (into.reasoning_tokens ?? 0) + u.reasoning_tokens;
  if (u.is_byok) into.is_byok = true;
  if (u.openrouter_cost_usd !== undefined) into.openrouter_cost_usd = (into.openrouter_cost_usd ?? 0) + u.openrouter_cost_usd;
  if (u.upstream_cost_usd !== undefined) into.upstream_cost_usd = (into.upstream_cost_usd ?? 0) + u.upstream_cost_usd;
  into.requests = (into.requests ?? 0) + (u.requests ?? 1);
}

/** An empty usage to add billed answers into. */
export function zeroUsage(): Usage {
  return { prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, requests: 0 };
}

/**
 * Zero-completion insurance (openrouter-api.md §2.3): the model part of an answer is free only when no completion
 * token was produced and the finish reason is blank, or when the finish reason is `error`.
 */
export function isDocumentedFree(completionTokens: number, finishReason: string | null): boolean {
  return finishReason === 'error' || (completionTokens === 0 && (finishReason === null || finishReason === ''));
}

/** Whether anything was billed (tokens or money). */
export function hasBilling(u: Usage | undefined): u is Usage {
  return u !== undefined && (u.cost_usd === null || u.cost_usd > 0 || u.prompt_tokens > 0 || u.completion_tokens > 0);
}
