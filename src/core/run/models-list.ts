/**
 * The `photobatch models` list: vision-capable models with their per-token prices and what one
 * typical event photo costs on each, so models can be compared on the figure that matters.
 */
import { DEFAULT_MAX_IMAGE_SIZE, DEFAULT_PROMPT } from './config.js';
import { sentSize } from '../images/sizing.js';
import { familyFor, type ModelFamily } from '../pricing/image-tokens.js';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS, estimatePhoto } from '../pricing/estimate.js';
import type { ModelPrice } from '../pricing/prices.js';
import { flexPrice, flexSupport } from '../send/flex-tier.js';

/** A 12 MP 4:3 phone or camera photo: what most event folders are full of. */
export const REFERENCE_PHOTO = Object.freeze({ width: 4032, height: 3024 });
/** The run's default --max-tokens; only the worst case depends on it, and expected output sits far below. */
export const LISTING_MAX_TOKENS = 512;

export interface ModelListing {
  id: string;
  name?: string;
  family: ModelFamily;
  /** USD per million input / output tokens; null when the list says "-1" or nothing. */
  promptPerMillionUsd: number | null;
  completionPerMillionUsd: number | null;
  /** USD per input image as listed (0 when not listed). */
  imageUsd: number | null;
  /** Size the reference photo is sent at for this model, and its billed image tokens. */
  sentWidth: number;
  sentHeight: number;
  imageTokens: number;
  promptTokens: number;
  expectedOutputTokens: number;
  /** Expected USD of one reference photo with the default prompt; null when a price is unknown. */
  perPhotoUsd: number | null;
  per1000PhotosUsd: number | null;
  /** One reference photo at the flex tier, where a flex price is published; null otherwise. */
  flexPerPhotoUsd: number | null;
  /** 'flex' (priced), 'none' (the provider sells none), 'unknown'. */
  flex: 'flex' | 'none' | 'unknown';
  /** False when the image-token rule of the family is unknown or the list gives no image price: the per-photo figure is a guess. */
  imagePricingKnown: boolean;
}

export interface ListOptions {
  /** Case-insensitive text matched against the id and the display name. */
  search?: string;
  /** Longest edge allowed (MAX_IMAGE_SIZE); default 2048, the default compression. */
  maxEdge?: number;
  prompt?: string;
  expectedOutputTokens?: number;
}

/** Models that take images as input (the modalities from /models; the snapshot carries them too). */
export function isVisionModel(m: ModelPrice): boolean {
  return m.inputModalities?.includes('image') ?? false;
}

// Prices arrive as USD per token; × 1e6 in floating point gives 2.4999999999999996 for 0.0000025.
const perMillion = (usdPerToken: number | null): number | null =>
  usdPerToken === null ? null : Math.round(usdPerToken * 1e6 * 1e9) / 1e9;

/** One model's listing, estimated exactly as a dry run of the reference photo would be. */
export function describeModel(m: ModelPrice, opts: ListOptions = {}): ModelListing {
  const family = familyFor(m.id);
  const sent = sentSize({ mode: 'model', family, ceiling: opts.maxEdge ?? DEFAULT_MAX_IMAGE_SIZE }, REFERENCE_PHOTO.width, REFERENCE_PHOTO.height);
  const est = estimatePhoto({
    price: m, family, width: sent.width, height: sent.height, promptText: opts.prompt ?? DEFAULT_PROMPT,
    expectedOutputTokens: opts.expectedOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS, maxTokens: LISTING_MAX_TOKENS,
  });
  return {
    id: m.id,
    ...(m.name === undefined ? {} : { name: m.name }),
    family: family.family,
    promptPerMillionUsd: perMillion(m.prompt),
    completionPerMillionUsd: perMillion(m.completion),
    imageUsd: m.image,
    sentWidth: sent.width,
    sentHeight: sent.height,
    imageTokens: est.imageTokens,
    promptTokens: est.promptTokens,
    expectedOutputTokens: est.expectedOutputTokens,
    perPhotoUsd: est.expectedUsd,
    per1000PhotosUsd: est.expectedUsd === null ? null : est.expectedUsd * 1000,
    flexPerPhotoUsd: flexOf(m, sent, opts),
    flex: flexSupport(m.id),
    imagePricingKnown: family.family !== 'unknown' && m.image !== null,
  };
}

/** The reference photo at the flex price, estimated like the standard figure. */
function flexOf(m: ModelPrice, sent: { width: number; height: number }, opts: ListOptions): number | null {
  const flex = flexPrice(m, m.id);
  if (!flex) return null;
  return estimatePhoto({
    price: flex, family: familyFor(m.id), width: sent.width, height: sent.height, promptText: opts.prompt ?? DEFAULT_PROMPT,
    expectedOutputTokens: opts.expectedOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS, maxTokens: LISTING_MAX_TOKENS,
  }).expectedUsd;
}

/**
 * Vision models matching `search`, cheapest per photo first; models whose price is unknown (router
 * models list "-1") go last, since no cost can be promised for them. Ties are broken by id so the
 * order is stable from one day to the next.
 */
export function listVisionModels(models: Iterable<ModelPrice>, opts: ListOptions = {}): ModelListing[] {
  const needle = opts.search?.trim().toLowerCase() ?? '';
  const rows: ModelListing[] = [];
  for (const m of models) {
    if (!isVisionModel(m)) continue;
    if (needle !== '' && !`${m.id}\n${m.name ?? ''}`.toLowerCase().includes(needle)) continue;
    rows.push(describeModel(m, opts));
  }
  return rows.sort((a, b) => {
    if (a.perPhotoUsd === null || b.perPhotoUsd === null) {
      if (a.perPhotoUsd !== b.perPhotoUsd) return a.perPhotoUsd === null ? 1 : -1;
    } else if (a.perPhotoUsd !== b.perPhotoUsd) {
      return a.perPhotoUsd - b.perPhotoUsd;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
