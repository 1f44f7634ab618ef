/**
 * The 24 h price cache: one file per API base URL under $XDG_CACHE_HOME/photobatch (or ~/.cache/photobatch),
 * written atomically, holding only the fields photobatch reads.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../record/atomic-write.js';
import { isRecord, type ModelPrice } from './model-price.js';

export const CACHE_FILE = 'models.json';
export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

/** The cache file of one base URL: models.json for OpenRouter, models-<hash>.json for any other server. */
export function cacheFileFor(baseURL: string = OPENROUTER_BASE_URL): string {
  const norm = baseURL.trim().replace(/\/+$/, '').toLowerCase();
  if (norm === OPENROUTER_BASE_URL) return CACHE_FILE;
  return `models-${createHash('sha256').update(norm).digest('hex').slice(0, 16)}.json`;
}
export const CACHE_TTL_MS = 24 * 60 * 60 * 1000;
export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** $XDG_CACHE_HOME/photobatch (an absolute XDG path only, per the spec), else ~/.cache/photobatch. */
export function defaultCacheDir(env: Record<string, string | undefined>, home = os.homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'photobatch') : path.join(home, '.cache', 'photobatch');
}

export interface CacheDoc {
  fetchedAt: number;
  models: unknown[];
}

export async function readCache(dir: string, baseURL: string | undefined): Promise<CacheDoc | undefined> {
  try {
    const doc: unknown = JSON.parse(await readFile(path.join(dir, cacheFileFor(baseURL)), 'utf8'));
    // A cache written for another server (older files carry no baseURL and are OpenRouter's) is not these prices.
    const wanted = (baseURL ?? OPENROUTER_BASE_URL).replace(/\/+$/, '').toLowerCase();
    const written = isRecord(doc) && typeof doc.baseURL === 'string' ? doc.baseURL.replace(/\/+$/, '').toLowerCase() : OPENROUTER_BASE_URL;
    if (written !== wanted) return undefined;
    if (isRecord(doc) && typeof doc.fetchedAt === 'number' && Array.isArray(doc.models)) {
      return { fetchedAt: doc.fetchedAt, models: doc.models };
    }
  } catch {
    // Missing or unreadable cache: as if there were none.
  }
  return undefined;
}

/** Writes only the fields photobatch reads, via a temp file and a rename, so readers never see half a file. */
export async function writeCache(dir: string, fetchedAt: number, models: readonly ModelPrice[], baseURL: string | undefined): Promise<void> {
  const doc = {
    baseURL: (baseURL ?? OPENROUTER_BASE_URL).replace(/\/+$/, ''),
    fetchedAt,
    date: isoDate(fetchedAt),
    models: models.map((m) => ({
      id: m.id,
      name: m.name,
      pricing: {
        prompt: m.prompt === null ? '-1' : String(m.prompt),
        completion: m.completion === null ? '-1' : String(m.completion),
        image: m.image === null ? '-1' : String(m.image),
        request: m.request === null ? '-1' : String(m.request),
        ...(m.discount ? { discount: m.discount } : {}),
      },
      context_length: m.contextLength ?? null,
      ...(m.canonicalSlug ? { canonical_slug: m.canonicalSlug } : {}),
      ...(m.reasoning
        ? { reasoning: { default_enabled: m.reasoning.defaultEnabled, mandatory: m.reasoning.mandatory, supported_efforts: m.reasoning.supportedEfforts } }
        : {}),
      input_modalities: m.inputModalities,
      output_modalities: m.outputModalities,
    })),
  };
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, cacheFileFor(baseURL));
  await writeFileAtomic(file, JSON.stringify(doc));
}
