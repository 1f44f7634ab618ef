import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** bench/.build/bench/lib/util.js → the repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const BENCH_DIR = path.join(REPO_ROOT, 'bench');
export const BUILD_DIR = path.join(BENCH_DIR, '.build', 'bench');
export const WORK = path.join(BENCH_DIR, '.work');
export const BIN = path.join(REPO_ROOT, 'bin', 'photobatch.js');
export const SHARED_PHOTOS = process.env.PHOTOBATCH_PHOTOS ?? path.resolve(REPO_ROOT, '../shared/photos');

/** A compiled bench file by its path relative to bench/ ("workers/stages.js"). */
export const built = (rel: string): string => path.join(BUILD_DIR, rel);
export const fileUrl = (p: string): string => pathToFileURL(p).href;

/** Imports a module of the built project (dist/) at run time, so the bench compiles without dist/. */
export async function importDist<T = any>(rel: string): Promise<T> {
  return (await import(fileUrl(path.join(REPO_ROOT, 'dist', rel)))) as T;
}

export function freshDir(p: string): string {
  rmSync(p, { recursive: true, force: true });
  mkdirSync(p, { recursive: true });
  return p;
}

const t0 = Date.now();
export function log(msg: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s}s] ${msg}\n`);
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
export const mean = (xs: number[]): number => (xs.length ? sum(xs) / xs.length : Number.NaN);
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}
export const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : String(n));
export const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : String(n));
export const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : String(n));
export const f3 = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : String(n));
export const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : String(n));
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Deterministic PRNG (mulberry32), shared with the compare sample. */
export { seededRandom as rng } from '../../src/core/seeded-random.js';

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool<T, R>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
