/**
 * The photos a comparison sends to every model: N chosen to cover the folder (format × orientation × size), the
 * same N every time for the same folder and seed, so a re-run finds every answer in the journals.
 */
import pLimit from 'p-limit';
import type { PhotoRef } from '../types.js';
import { readImageHeader } from '../images/header.js';
import { seededRandom } from '../seeded-random.js';

export interface SampleCandidate {
  photo: PhotoRef;
  format: string;
  orientation: 'landscape' | 'portrait' | 'square';
  size: 'small' | 'medium' | 'large';
}

/** Reads each header (no decode); unreadable files are left out of the sample (they would fail for every model). */
export async function describeCandidates(photos: readonly PhotoRef[]): Promise<SampleCandidate[]> {
  const limit = pLimit(16);
  const all = await Promise.all(photos.map((photo) => limit(async (): Promise<SampleCandidate | undefined> => {
    try {
      const h = await readImageHeader(photo.path);
      const ratio = h.width / h.height;
      const mp = (h.width * h.height) / 1e6;
      return {
        photo, format: h.format,
        orientation: Math.abs(ratio - 1) < 0.05 ? 'square' : ratio > 1 ? 'landscape' : 'portrait',
        size: mp < 2 ? 'small' : mp < 12 ? 'medium' : 'large',
      };
    } catch {
      return undefined;
    }
  })));
  return all.filter((c): c is SampleCandidate => c !== undefined);
}

/**
 * Up to `n` photos: one from each stratum (format|orientation|size) in turn, in a seeded order, so a folder of
 * 900 landscape JPEGs and 12 portrait HEICs still shows the models some HEIC portraits. Sorted by path.
 */
export function chooseSample(candidates: readonly SampleCandidate[], n: number, seed: number): PhotoRef[] {
  const random = seededRandom(seed);
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const strata = new Map<string, PhotoRef[]>();
  const byPath = [...candidates].sort((a, b) => (a.photo.path < b.photo.path ? -1 : a.photo.path > b.photo.path ? 1 : 0));
  for (const c of byPath) {
    const key = `${c.format}|${c.orientation}|${c.size}`;
    strata.set(key, [...(strata.get(key) ?? []), c.photo]);
  }
  const queues = shuffle([...strata.keys()].sort()).map((k) => shuffle(strata.get(k)!));
  const chosen: PhotoRef[] = [];
  while (chosen.length < n && queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      if (chosen.length >= n) break;
      const next = q.shift();
      if (next) chosen.push(next);
    }
  }
  return chosen.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function strataOf(candidates: readonly SampleCandidate[], sample: readonly PhotoRef[]): string[] {
  const inSample = new Set(sample.map((p) => p.path));
  return [...new Set(candidates.filter((c) => inSample.has(c.photo.path)).map((c) => `${c.format}/${c.orientation}/${c.size}`))].sort();
}
