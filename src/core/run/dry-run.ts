import type { PhotoRef } from '../types.js';
import { ImageError } from '../errors.js';
import { readImageHeader } from '../images/header.js';
import { sentSize, sizingFor } from '../images/sizing.js';
import { familyFor, UNKNOWN_FAMILY_NOTE } from '../pricing/image-tokens.js';
import { estimatePhoto, expectedOutputTokens as expectedOutput, type PhotoEstimate } from '../pricing/estimate.js';
import type { ModelPrice } from '../pricing/prices.js';

/** Seconds one request takes when no earlier run in --out says otherwise: a typical vision caption. */
export const DEFAULT_SECONDS_PER_REQUEST = 4;

export interface DryRunOptions {
  photos: Iterable<PhotoRef>;
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

/** What a dry run adds up, without its per-photo lines: the fields of the --json document around `photos`. */
export interface DryRunTotals {
  model: string;
  family: string;
  familyNote?: string;
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

export interface DryRunEstimate extends DryRunTotals {
  photos: DryRunPhoto[];
}

/** A streamed dry run's aggregates: what the human summary shows, in memory that does not grow with the photos. */
export interface DryRunSummary extends DryRunTotals {
  /** Photos estimated (readable and not). */
  count: number;
  /** How many photos are sent at each size, `W×H`. */
  sentSizes: Map<string, number>;
  /** The first unreadable photos, in order (at most FIRST_ERRORS). */
  firstErrors: DryRunPhoto[];
}

/** Unreadable photos the summary names one by one; the rest are counted. */
export const FIRST_ERRORS = 10;
/** Headers read at a time (file reads through libuv's pool). */
const HEADERS_AT_ONCE = 16;

/** The fields of the dry-run document that come before `photos`: known before any header is read. */
export function dryRunHead(model: string): Pick<DryRunTotals, 'model' | 'family' | 'familyNote'> {
  const family = familyFor(model);
  return { model, family: family.family, ...(family.family === 'unknown' ? { familyNote: UNKNOWN_FAMILY_NOTE } : {}) };
}

/** Estimates a run from image headers alone: no pixel decode, no network, no key. Keeps every photo's estimate. */
export async function estimateDryRun(opts: DryRunOptions): Promise<DryRunEstimate> {
  const photos: DryRunPhoto[] = [];
  const { count: _count, sentSizes: _sizes, firstErrors: _errors, ...totals } = await streamDryRun(opts, (p) => {
    photos.push(p);
  });
  const { model, family, familyNote, ...rest } = totals;
  return { model, family, ...(familyNote === undefined ? {} : { familyNote }), photos, ...rest };
}

/**
 * The dry run, streamed: each photo's estimate goes to `onPhoto` in the photos' order as soon as it and those before
 * it are known, and only the sums stay in memory (issue 14: 100,000 photos in the memory of 1,000).
 */
export async function streamDryRun(opts: DryRunOptions, onPhoto: (photo: DryRunPhoto) => void | Promise<void>): Promise<DryRunSummary> {
  const family = familyFor(opts.model);
  const sizing = sizingFor(opts);
  const expectedOutputTokens = expectedOutput({
    maxTokens: opts.maxTokens,
    ...(opts.historyOutputTokens === undefined ? {} : { history: opts.historyOutputTokens }),
    ...(opts.reasoningTokens === undefined ? {} : { reasoningTokens: opts.reasoningTokens }),
  });
  const estimateOne = async (photo: PhotoRef): Promise<DryRunPhoto> => {
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
  };

  let count = 0;
  let imageTokens = 0;
  let promptTokens = 0;
  let expectedUsd: number | null = 0;
  let worstUsd: number | null = 0;
  let readable = 0;
  const sentSizes = new Map<string, number>();
  const firstErrors: DryRunPhoto[] = [];
  const add = async (p: DryRunPhoto) => {
    count++;
    if (p.error) {
      if (firstErrors.length < FIRST_ERRORS) firstErrors.push(p);
    } else {
      readable++;
      imageTokens += p.imageTokens ?? 0;
      promptTokens += p.promptTokens ?? 0;
      expectedUsd = expectedUsd === null || p.expectedUsd == null ? null : expectedUsd + p.expectedUsd;
      worstUsd = worstUsd === null || p.worstUsd == null ? null : worstUsd + p.worstUsd;
      const size = `${p.sentWidth}×${p.sentHeight}`;
      sentSizes.set(size, (sentSizes.get(size) ?? 0) + 1);
    }
    await onPhoto(p);
  };
  // A window of headers in flight, handed on in order: the first of them is awaited before the next is started.
  const window: Promise<DryRunPhoto>[] = [];
  for (const photo of opts.photos) {
    const pending = estimateOne(photo);
    // A failure further on is reported when its turn comes, not as an unhandled rejection meanwhile.
    pending.catch(() => {});
    window.push(pending);
    if (window.length >= HEADERS_AT_ONCE) await add(await window.shift()!);
  }
  while (window.length > 0) await add(await window.shift()!);

  const secondsPerRequest = opts.historySecondsPerRequest ?? DEFAULT_SECONDS_PER_REQUEST;
  return {
    ...dryRunHead(opts.model),
    readable,
    unreadable: count - readable,
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
    count,
    sentSizes,
    firstErrors,
  };
}
