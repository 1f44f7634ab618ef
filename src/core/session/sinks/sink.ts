import type { PreparedPhoto } from '../../images/prepare.js';
import type { PhotoRef, ResultRecord } from '../../types.js';

/**
 * One output of a session, told about each photo as it goes. Every hook is optional; a sink that writes
 * files finishes them in `close`. The journal is always the first sink: the others hear of a record only
 * once it is in results.jsonl, the file everything else is derived from.
 */
export interface OutputSink {
  /** A photo was taken from the source (in the order the source gave it). */
  onTake?(photo: PhotoRef): void;
  /** A photo was compressed for sending (its sha256 names its thumbnail). */
  onPrepared?(photo: PhotoRef, sha256: string, prepared: PreparedPhoto): void;
  /** A record was written: an answer, a failure, or a free duplicate. */
  onRecord?(record: ResultRecord): void;
  /** A photo already answered for this job at this path: nothing new is written for it. */
  onSkip?(record: ResultRecord, photo: PhotoRef): void;
  /** The session ended: finish what is pending. */
  close?(): Promise<void>;
}

/** Sinks in order: each hook is called on every sink that has it, first to last. */
export function fanOut(sinks: readonly OutputSink[]): Required<OutputSink> {
  return {
    onTake: (photo) => sinks.forEach((s) => s.onTake?.(photo)),
    onPrepared: (photo, sha, prepared) => sinks.forEach((s) => s.onPrepared?.(photo, sha, prepared)),
    onRecord: (record) => sinks.forEach((s) => s.onRecord?.(record)),
    onSkip: (record, photo) => sinks.forEach((s) => s.onSkip?.(record, photo)),
    close: async () => {
      // Each sink finishes even when one fails; the first failure is reported.
      const settled = await Promise.allSettled(sinks.map((s) => s.close?.()));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
