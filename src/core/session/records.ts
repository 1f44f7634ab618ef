import { existsSync } from 'node:fs';
import { ImageError, PhotobatchError } from '../errors.js';
import type { SendOutcome } from '../send/send-photo.js';
import { flexRatio } from '../send/flex-tier.js';
import type { PhotoRef, RecordError, ResultRecord } from '../types.js';

/** What names one photo's record: its file, path, content and job. */
export interface RecordBase {
  file: string;
  path: string;
  sha256: string;
  job: string;
}

/** The record of a photo that could not be read or decoded, or undefined for an error that is a bug. */
export function unreadableRecord(photo: PhotoRef, err: unknown, t0: number): ResultRecord | undefined {
  const base = { file: photo.file, path: photo.path, job: '', status: 'failed' as const, attempts: 0, ms: Date.now() - t0, at: new Date().toISOString() };
  if (err instanceof ImageError) return { ...base, error: oneLine(err.kind, err.message) };
  if (isFsError(err)) {
    return { ...base, error: oneLine('unreadable', `Cannot read the file (${(err as NodeJS.ErrnoException).code}); check that it exists and is readable`) };
  }
  return undefined;
}

/** The record of a send that ended without a kept answer; what was billed is in it. */
export function failedRecord(base: RecordBase, outcome: Extract<SendOutcome, { status: 'failed' }>, t0: number): ResultRecord {
  return {
    ...base, status: 'failed', attempts: outcome.attempts, ms: Date.now() - t0, sent: sentSize(outcome.prepared), error: outcome.error,
    ...(outcome.usage ? { usage: outcome.usage } : {}), ...(outcome.model ? { model: outcome.model } : {}),
    ...(outcome.raw === undefined ? {} : { raw_output: outcome.raw }),
    ...(outcome.estimate ? { image_tokens: outcome.estimate.imageTokens, estimated_cost_usd: outcome.estimate.expectedUsd } : {}),
    at: new Date().toISOString(),
  };
}

/** The record of an answer (its files are attached before it is written). */
export function answerRecord(base: RecordBase, outcome: Extract<SendOutcome, { status: 'ok' }>, model: string, t0: number): ResultRecord {
  const { result, parsed } = outcome;
  return {
    ...base, status: 'ok', model: result.model, output: parsed.output, usage: outcome.usage, attempts: outcome.attempts,
    generation_id: result.id, ms: Date.now() - t0, sent: sentSize(outcome.prepared), image_tokens: outcome.estimate.imageTokens,
    ...(result.serviceTier !== undefined ? { service_tier: result.serviceTier } : {}),
    ...(result.costSource ? { cost_source: result.costSource } : {}),
    estimated_cost_usd: tierEstimate(outcome.estimate.expectedUsd, result.serviceTier, model), at: new Date().toISOString(),
  };
}

/**
 * A photo whose bytes were answered under another path, recorded again at no cost: the same folder moved
 * or renamed (the record moves with it, so the photo is counted once), or a copy under another name.
 */
export function reusedRecord(done: ResultRecord, base: RecordBase): ResultRecord {
  const moved = done.file === base.file && !existsSync(done.path);
  const { duplicate_of: _d, moved_from: _m, delivered: _theirs, ...answer } = done;
  return {
    ...answer, ...base, attempts: 0, ms: 0, ...(moved ? { moved_from: done.path } : { duplicate_of: done.file }), sidecars: [],
    usage: { prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 }, estimated_cost_usd: 0, at: new Date().toISOString(),
  };
}

function sentSize(prepared: { width: number; height: number; bytes: number }) {
  return { width: prepared.width, height: prepared.height, bytes: prepared.bytes };
}

/** The estimate at the tier that served: a flex answer is compared with the flex price, where one is published. */
function tierEstimate(expectedUsd: number | null, servedTier: string | null | undefined, model: string): number | null {
  const ratio = servedTier === 'flex' ? flexRatio(model.replace(/:floor$/i, '')) : null;
  return expectedUsd === null || ratio === null ? expectedUsd : expectedUsd * ratio;
}

export function oneLine(kind: RecordError['kind'], message: string): RecordError {
  return { kind, http_status: null, message: message.replace(/\s+/g, ' ').trim() };
}

function isFsError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && !(err instanceof PhotobatchError);
}
