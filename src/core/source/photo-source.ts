import type { PhotoRef } from '../types.js';
import { PhotoList } from './photo-list.js';

/**
 * Where a batch takes its photos from: a list decided at start (an array, or the scan's packed PhotoList), or
 * photos that keep arriving (a watched folder).
 */
export type PhotoSource = readonly PhotoRef[] | PhotoList | AsyncIterable<PhotoRef>;

/** The input photos known at the start, for the output manifest (never replaced): the packed list is searched in place. */
export function knownInputs(source: PhotoSource): Iterable<string> | PhotoList {
  if (source instanceof PhotoList) return source;
  return Array.isArray(source) ? (source as readonly PhotoRef[]).map((p) => p.path) : [];
}

export interface PhotoPuller {
  /** The next photo, or undefined when the source has ended. Safe to call from several workers at once. */
  next(): Promise<PhotoRef | undefined>;
  /** Photos handed out so far. */
  readonly taken: number;
  /** The number of photos when known in advance (a list), else undefined. */
  readonly known: number | undefined;
}

/**
 * One pull interface over both kinds of source. Pulls on an async source are chained, so two
 * workers asking at once never race inside the iterator (a hand-written iterator need not queue).
 */
export function pullFrom(source: PhotoSource): PhotoPuller {
  let taken = 0;
  if (source instanceof PhotoList) {
    return {
      next: async () => (taken < source.length ? source.at(taken++) : undefined),
      get taken() {
        return taken;
      },
      known: source.length,
    };
  }
  if (Array.isArray(source)) {
    const list = source as readonly PhotoRef[];
    return {
      next: async () => (taken < list.length ? list[taken++] : undefined),
      get taken() {
        return taken;
      },
      known: list.length,
    };
  }
  const it = (source as AsyncIterable<PhotoRef>)[Symbol.asyncIterator]();
  let chain: Promise<unknown> = Promise.resolve();
  let ended = false;
  return {
    next() {
      const result = chain.then(async () => {
        if (ended) return undefined;
        const r = await it.next();
        if (r.done) {
          ended = true;
          return undefined;
        }
        taken++;
        return r.value;
      });
      chain = result.catch(() => undefined);
      return result;
    },
    get taken() {
      return taken;
    },
    known: undefined,
  };
}
