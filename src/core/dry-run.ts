import pLimit from 'p-limit';
import type { PhotoRef } from './types.js';
import { ImageError } from './errors.js';
import { readImageHeader } from './images/header.js';
import { sentSize, sizingFor } from './images/sizing.js';
import { familyFor, UNKNOWN_FAMILY_NOTE } from './pricing/image-tokens.js';
import { estimatePhoto, expectedOutputTokens as expectedOutput, type PhotoEstimate } from './pricing/estimate.js';
import type { ModelPrice } from './pricing/prices.js';

/** Seconds one request takes when no earlier run in --out says otherwise: a typical vision caption. */
export const DEFAULT_SECONDS_PER_REQUEST = 4;

export interface DryRunOptions {
  photos: readonly PhotoRef[];
  model: string;
  prompt: string | ((photo: PhotoRef) => string);
  maxTokens: number;
  maxEdge: number;
  maxEdgeExplicit?: boolean;
  concurrency: number;
  price: ModelPrice | undefined;
  /** Average completion tokens of earlier runs in the same --out, if any. */
  historyOutputTokens?: number;
  /** Billed answers per photo in earlier runs (re-asks of unusable answers), if any. */
  historyRequestsPerPhoto?: number;
  /** Reasoning tokens expected per answer at the chosen --reasoning (0 when reasoning is off). */
  reasoningTokens?: number;
  /** Average seconds per request of earlier runs, if any. */
  historySecondsPerRequest?: number;
}

export interface DryRunPhoto extends Partial<PhotoEstimate> {
  file: string;
  path: string;
  width?: number;
  height?: number;
  sentWidth?: number;
  sentHeight?: number;
  error?: { kind: string; message: string };
}

export interface DryRunEstimate {
  model: string;
  family: string;
  familyNote?: string;
  photos: DryRunPhoto[];
  readable: number;
  unreadable: number;
  expectedOutputTokens: number;
  expectedOutputSource: 'history' | 'default';
  /** Reasoning tokens counted in expectedOutputTokens when no history says otherwise (0 when reasoning is off). */
  expectedReasoningTokens: number;
  /** Billed answers expected per photo (above 1 when earlier runs had to ask again). */
  requestsPerPhoto: number;
  totals: {
    imageTokens: number;
    promptTokens: number;
    expectedUsd: number | null;
    worstUsd: number | null;
    perPhotoUsd: number | null;
    /** Estimated wall time at the chosen concurrency. */
    seconds: number;
  };
}

/** Estimates a run from image headers alone: no pixel decode, no network, no key. */
export async function estimateDryRun(opts: DryRunOptions): Promise<DryRunEstimate> {
  const family = familyFor(opts.model);
  const sizing = sizingFor(opts);
  const expectedOutputTokens = expectedOutput({
    maxTokens: opts.maxTokens,
    ...(opts.historyOutputTokens === undefined ? {} : { history: opts.historyOutputTokens }),
    ...(opts.reasoningTokens === undefined ? {} : { reasoningTokens: opts.reasoningTokens }),
  });
  const limit = pLimit(16);
  const photos = await Promise.all(
    opts.photos.map((photo) =>
      limit(async (): Promise<DryRunPhoto> => {
        try {
          const header = await readImageHeader(photo.path);
          const sent = sentSize(sizing, header.width, header.height);
          const prompt = typeof opts.prompt === 'string' ? opts.prompt : opts.prompt(photo);
          const est = estimatePhoto({
            price: opts.price, family, width: sent.width, height: sent.height, promptText: prompt,
            expectedOutputTokens, maxTokens: opts.maxTokens, requests: opts.historyRequestsPerPhoto ?? 1,
          });
          return { file: photo.file, path: photo.path, width: header.width, height: header.height, sentWidth: sent.width, sentHeight: sent.height, ...est };
        } catch (err) {
          if (!(err instanceof ImageError)) throw err;
          return { file: photo.file, path: photo.path, error: { kind: err.kind, message: err.message } };
        }
      }),
    ),
  );

  let imageTokens = 0;
  let promptTokens = 0;
  let expectedUsd: number | null = 0;
  let worstUsd: number | null = 0;
  let readable = 0;
  for (const p of photos) {
    if (p.error) continue;
    readable++;
    imageTokens += p.imageTokens ?? 0;
    promptTokens += p.promptTokens ?? 0;
    expectedUsd = expectedUsd === null || p.expectedUsd == null ? null : expectedUsd + p.expectedUsd;
    worstUsd = worstUsd === null || p.worstUsd == null ? null : worstUsd + p.worstUsd;
  }
  const secondsPerRequest = opts.historySecondsPerRequest ?? DEFAULT_SECONDS_PER_REQUEST;
  return {
    model: opts.model,
    family: family.family,
    ...(family.family === 'unknown' ? { familyNote: UNKNOWN_FAMILY_NOTE } : {}),
    photos,
    readable,
    unreadable: photos.length - readable,
    expectedOutputTokens,
    expectedOutputSource: opts.historyOutputTokens === undefined ? 'default' : 'history',
    expectedReasoningTokens: opts.historyOutputTokens === undefined ? (opts.reasoningTokens ?? 0) : 0,
    requestsPerPhoto: opts.historyRequestsPerPhoto ?? 1,
    totals: {
      imageTokens,
      promptTokens,
      expectedUsd,
      worstUsd,
      perPhotoUsd: expectedUsd === null || readable === 0 ? null : expectedUsd / readable,
      seconds: Math.ceil(readable / Math.max(1, opts.concurrency)) * secondsPerRequest,
    },
  };
}
