import type { PhotoPuller } from '../source/photo-source.js';
import type { PhotoRef } from '../types.js';

export interface PoolOptions {
  /** Workers pulling photos; the pool never starts more than the source can fill. */
  workers: number;
  /** Checked before each photo is taken: a stopped batch takes nothing more. */
  stopped: () => boolean;
  onTake?: (photo: PhotoRef) => void;
}

/**
 * A fixed pool of workers pulling the next photo from a source (a list or an endless one), so
 * 10,000 photos never mean 10,000 queued promises and a watched folder needs no special case.
 * Every worker runs to the end before an unexpected error is rethrown: one photo's bug must not
 * close the journal under the others.
 */
export async function runPool(source: PhotoPuller, work: (photo: PhotoRef) => Promise<void>, opts: PoolOptions): Promise<void> {
  const worker = async () => {
    for (let photo = await source.next(); photo && !opts.stopped(); photo = await source.next()) {
      opts.onTake?.(photo);
      await work(photo);
    }
  };
  const n = Math.max(1, Math.min(source.known ?? Infinity, opts.workers));
  const settled = await Promise.allSettled(Array.from({ length: source.known === 0 ? 0 : n }, worker));
  const bug = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bug) throw bug.reason;
}
