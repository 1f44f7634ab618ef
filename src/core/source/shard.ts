import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { PhotoRef } from '../types.js';
import { PhotoList } from './photo-list.js';

/** One share of a job split across machines: `index` is 0-based, shown to people as K/N with K from 1. */
export interface Shard {
  index: number;
  count: number;
}

/** Batch engines that run N copies of one container and tell each its 0-based index. */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/**
 * `K/N` (K from 1 to N), or `auto/N`: K from the Kubernetes Indexed Job's JOB_COMPLETION_INDEX or the AWS
 * Batch array job's AWS_BATCH_JOB_ARRAY_INDEX (both 0-based).
 */
export function parseShard(spec: string, env: Record<string, string | undefined>): Shard {
  const m = /^\s*(auto|\d+)\s*\/\s*(\d+)\s*$/i.exec(spec);
  const usage = `Invalid --shard ${JSON.stringify(spec)}. Use K/N with K from 1 to N (e.g. 2/8), or auto/N inside a Kubernetes Indexed Job or an AWS Batch array job.`;
  if (!m) throw new UsageError(usage);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1 || count > 100_000) throw new UsageError(usage);
  if (m[1]!.toLowerCase() !== 'auto') {
    const k = Number(m[1]);
    if (!Number.isSafeInteger(k) || k < 1 || k > count) throw new UsageError(usage);
    return { index: k - 1, count };
  }
  for (const name of SHARD_INDEX_VARIABLES) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const index = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || index >= count) {
      throw new UsageError(`--shard auto/${count}: ${name}=${JSON.stringify(raw)} is not an index from 0 to ${count - 1}; check the job's completions or array size.`);
    }
    return { index, count };
  }
  throw new UsageError(`--shard auto/${count} needs ${SHARD_INDEX_VARIABLES.join(' or ')} (set by a Kubernetes Indexed Job or an AWS Batch array job); elsewhere use K/N.`);
}

/**
 * Which share a photo falls in: a hash of its name relative to the input it was found under (`PhotoRef.file`),
 * so the answer is the same on every machine, from any working folder and in any order of inputs, as long as
 * the inputs are named the same way. SHA-256 spreads names evenly, so shares are balanced to within sampling
 * noise (about √(n/N) photos).
 */
export function shardOf(photo: Pick<PhotoRef, 'file'>, count: number): number {
  if (count === 1) return 0;
  const digest = createHash('sha256').update(photo.file, 'utf8').digest();
  // 48 bits: the modulo bias for any N up to 100,000 is below 1e-9.
  return digest.readUIntBE(0, 6) % count;
}

export function selectShard<T extends Pick<PhotoRef, 'file'>>(photos: readonly T[], shard: Shard): T[];
export function selectShard(photos: PhotoList, shard: Shard): PhotoList;
export function selectShard(photos: readonly Pick<PhotoRef, 'file'>[] | PhotoList, shard: Shard): unknown {
  const mine = (p: Pick<PhotoRef, 'file'>) => shardOf(p, shard.count) === shard.index;
  return photos instanceof PhotoList ? photos.filter(mine) : photos.filter(mine);
}

export function formatShard(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}
