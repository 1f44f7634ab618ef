/**
 * Pre-flight cost math. Everything is an estimate: OpenRouter bills what the provider reports
 * (`usage.cost`), image tokens follow the family rules in image-tokens.ts, and text tokens are
 * approximated. Unknown prices give null ("unknown"), never NaN.
 */
import { imageTokens as familyImageTokens, type FamilyInfo } from './image-tokens.js';
import type { ModelPrice } from './prices.js';

/** Role markers and message framing around the prompt (OpenAI counts ~3–4 per message plus 3 to prime the reply). */
export const MESSAGE_OVERHEAD_TOKENS = 10;

/**
 * Tokens of a prompt, approximately: one token per 4 characters of Latin-script text (the usual
 * rule of thumb for English with BPE tokenizers), one per character for other scripts (CJK, Cyrillic,
 * emoji: tokenizers rarely pack them tighter), plus MESSAGE_OVERHEAD_TOKENS.
 */
export function estimateTextTokens(text: string): number {
  let latin = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.codePointAt(0)! < 0x0300) latin++;
    else other++;
  }
  return Math.ceil(latin / 4) + other + MESSAGE_OVERHEAD_TOKENS;
}

/**
 * Output tokens per photo when no earlier run says otherwise: a one- or two-sentence caption
 * (the default prompt asks for one short caption, ~25–45 words). Reasoning models may spend more;
 * the worst case always uses max_tokens.
 */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 60;

export interface PhotoEstimate {
  /** Image tokens under the family rule, for the size sent. */
  imageTokens: number;
  /** All input tokens, as usage.prompt_tokens counts them: prompt text + image. */
  promptTokens: number;
  expectedOutputTokens: number;
  maxOutputTokens: number;
  /** USD at the expected output length; null when a needed price is unknown. */
  expectedUsd: number | null;
  /** USD if the answer runs to max_tokens; null when a needed price is unknown. */
  worstUsd: number | null;
}

export interface RequestCost {
  price: ModelPrice | undefined;
  /** All input tokens (text + images). */
  inputTokens: number;
  outputTokens: number;
  /** Images in the request (for the per-image price). Default 1. */
  images?: number;
  /** Image tokens included in inputTokens (used when imageFee is 'max'). */
  imageTokens?: number;
  /**
   * How `pricing.image` combines with the image tokens. 'add' (the bound): both are charged.
   * 'max' (the expectation): OpenRouter lists images as "priced per image OR as input tokens"
   * (openrouter-api.md §9) and its per-image figures are often the token cost of a maximum-size
   * image (GPT-4o 0.003613 = 1,445 tokens × $2.50/M), so adding both would count images twice;
   * the larger of the two is used.
   */
  imageFee?: 'add' | 'max';
}

/** USD of one request: tokens × per-token prices + per-image + per-request, × (1 − discount). */
export function requestUsd(r: RequestCost): number | null {
  const p = r.price;
  if (!p || p.prompt === null || p.completion === null || p.request === null) return null;
  const images = r.images ?? 1;
  if (images > 0 && p.image === null) return null;
  const imageFee = images > 0 ? images * (p.image ?? 0) : 0;
  let usd = r.inputTokens * p.prompt + r.outputTokens * p.completion + p.request;
  if ((r.imageFee ?? 'add') === 'add') usd += imageFee;
  else usd += Math.max(0, imageFee - (r.imageTokens ?? 0) * p.prompt);
  const total = usd * (1 - p.discount);
  return Number.isFinite(total) ? total : null;
}

/**
 * The most one request can cost, for the hard budget (--max-cost) reservation:
 * (prompt + image tokens) · prompt + max_tokens · completion + request + image, × (1 − discount).
 */
export function worstCaseUsd(a: { price: ModelPrice | undefined; inputTokens: number; maxTokens: number; images?: number }): number | null {
  return requestUsd({ price: a.price, inputTokens: a.inputTokens, outputTokens: a.maxTokens, images: a.images ?? 1, imageFee: 'add' });
}

/** Tokens and cost of sending one photo at width×height (the size after compression). */
export function estimatePhoto(a: {
  price: ModelPrice | undefined;
  family: FamilyInfo;
  width: number;
  height: number;
  promptText: string;
  expectedOutputTokens: number;
  maxTokens: number;
  /**
   * Billed answers expected per photo (history: above 1 when unusable answers were asked again). The expectation
   * scales with it; the worst case stays per request, as the budget reserves each request on its own.
   */
  requests?: number;
}): PhotoEstimate {
  const imageTokens = familyImageTokens(a.family, a.width, a.height);
  const promptTokens = estimateTextTokens(a.promptText) + imageTokens;
  const maxOutputTokens = Math.max(0, Math.floor(a.maxTokens));
  const expectedOutputTokens = Math.min(maxOutputTokens, Math.max(0, Math.round(a.expectedOutputTokens)));
  return {
    imageTokens,
    promptTokens,
    expectedOutputTokens,
    maxOutputTokens,
    expectedUsd: scale(requestUsd({ price: a.price, inputTokens: promptTokens, outputTokens: expectedOutputTokens, images: 1, imageTokens, imageFee: 'max' }), a.requests ?? 1),
    worstUsd: worstCaseUsd({ price: a.price, inputTokens: promptTokens, maxTokens: maxOutputTokens }),
  };
}

const scale = (usd: number | null, k: number): number | null => (usd === null ? null : usd * Math.max(0, k));

/**
 * Output tokens to expect per answer: history's average when there is one (it already holds the reasoning tokens
 * the model really spent), else the caption default plus the reasoning tokens expected at the chosen effort;
 * never above max_tokens.
 */
export function expectedOutputTokens(a: { history?: number; reasoningTokens?: number; maxTokens: number }): number {
  const expected = a.history ?? DEFAULT_EXPECTED_OUTPUT_TOKENS + (a.reasoningTokens ?? 0);
  return Math.min(a.maxTokens, Math.round(expected));
}

export interface BatchEstimate {
  photos: number;
  imageTokens: number;
  promptTokens: number;
  expectedOutputTokens: number;
  /** null as soon as one photo's cost is unknown. */
  expectedUsd: number | null;
  worstUsd: number | null;
  perPhotoUsd: number | null;
}

/** Totals over many photos. */
export function sumEstimates(estimates: Iterable<PhotoEstimate>): BatchEstimate {
  const t: BatchEstimate = {
    photos: 0, imageTokens: 0, promptTokens: 0, expectedOutputTokens: 0, expectedUsd: 0, worstUsd: 0, perPhotoUsd: null,
  };
  for (const e of estimates) {
    t.photos++;
    t.imageTokens += e.imageTokens;
    t.promptTokens += e.promptTokens;
    t.expectedOutputTokens += e.expectedOutputTokens;
    t.expectedUsd = t.expectedUsd === null || e.expectedUsd === null ? null : t.expectedUsd + e.expectedUsd;
    t.worstUsd = t.worstUsd === null || e.worstUsd === null ? null : t.worstUsd + e.worstUsd;
  }
  t.perPhotoUsd = t.expectedUsd === null || t.photos === 0 ? null : t.expectedUsd / t.photos;
  return t;
}
