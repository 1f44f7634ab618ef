/**
 * Model prices for the estimate (openrouter-api.md §6): the best of the cache, live `/models` and the bundled
 * snapshot, and finding a model's price in them. Prices are USD per token (prompt, completion), per image and
 * per request; "-1" (router models such as openrouter/auto) means unknown and becomes null.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isRecord, parseAll, type ModelPrice } from './model-price.js';
import { defaultCacheDir, isoDate, readCache, writeCache, CACHE_TTL_MS, type CacheDoc } from './price-cache.js';

// Many modules (and the public entry) take the price type and parser from here, with the loader.
export { parseModelPrice, type ModelPrice } from './model-price.js';

export interface PriceTable {
  source: 'live' | 'cache' | 'snapshot';
  /** Day the prices are from, YYYY-MM-DD (UTC). */
  date: string;
  models: Map<string, ModelPrice>;
  /** Set when a live fetch was wanted but failed, so the caller can say which prices it uses. */
  warning?: string;
}

export interface LoadPricesOptions {
  /** Fetches `/models` `data` entries; not called when offline or when the cache is fresh. */
  fetchModels?: () => Promise<unknown[]>;
  /** Defaults to $XDG_CACHE_HOME/photobatch, else ~/.cache/photobatch. */
  cacheDir?: string;
  now?: () => number;
  /** Never fetch: fresh or stale cache, else the snapshot. */
  offline?: boolean;
  /** Fetch even when the cache is fresh (e.g. `photobatch models --refresh`). */
  refresh?: boolean;
  /**
   * The API base URL the prices describe. The cache is kept per base URL, so a run against another server never
   * poisons OpenRouter's prices, or the reverse. Default: OpenRouter's.
   */
  baseURL?: string;
  /**
   * Environment for the default cache folder (XDG_CACHE_HOME). The core reads no process state, so
   * the CLI passes its env here; without it the default is ~/.cache/photobatch.
   */
  env?: Record<string, string | undefined>;
}

// ---------------------------------------------------------------- parsing

const toMap = (models: readonly ModelPrice[]) => new Map(models.map((m) => [m.id, m]));

// ---------------------------------------------------------------- snapshot

/** data/models-snapshot.json: the same path from src/core/pricing (vitest) and dist/core/pricing (tsc). */
export const SNAPSHOT_URL = new URL('../../../data/models-snapshot.json', import.meta.url);

/** The bundled, hand-compiled price list: used offline and when neither live prices nor a cache exist. */
export async function loadSnapshot(): Promise<{ date: string; source: string; models: ModelPrice[] }> {
  const doc: unknown = JSON.parse(await readFile(fileURLToPath(SNAPSHOT_URL), 'utf8'));
  if (!isRecord(doc) || typeof doc.date !== 'string' || !Array.isArray(doc.models)) {
    throw new Error(`Malformed price snapshot ${fileURLToPath(SNAPSHOT_URL)}: expected { date, models[] }`);
  }
  return { date: doc.date, source: typeof doc.source === 'string' ? doc.source : '', models: parseAll(doc.models) };
}

// ---------------------------------------------------------------- loading

/**
 * Prices for the estimate, best source first:
 * 1. the cache, when under 24 h old (no network) unless `refresh`;
 * 2. live `/models` (unless offline), which is then written to the cache;
 * 3. an older cache, if it is newer than the bundled snapshot;
 * 4. the bundled snapshot.
 * A failed live fetch or cache write never throws; `warning` says what happened.
 */
export async function loadPrices(opts: LoadPricesOptions = {}): Promise<PriceTable> {
  const now = opts.now ?? Date.now;
  const dir = opts.cacheDir ?? defaultCacheDir(opts.env ?? {});
  const cache = await readCache(dir, opts.baseURL);
  const age = cache ? now() - cache.fetchedAt : Number.POSITIVE_INFINITY;
  const fromCache = (c: CacheDoc, warning?: string): PriceTable => ({
    source: 'cache', date: isoDate(c.fetchedAt), models: toMap(parseAll(c.models)), ...(warning ? { warning } : {}),
  });

  if (cache && age >= 0 && age < CACHE_TTL_MS && !opts.refresh) return fromCache(cache);

  let warning: string | undefined;
  if (!opts.offline && opts.fetchModels) {
    try {
      const models = parseAll(await opts.fetchModels());
      if (models.length === 0) throw new Error('the model list was empty');
      const fetchedAt = now();
      await writeCache(dir, fetchedAt, models, opts.baseURL).catch(() => {});
      return { source: 'live', date: isoDate(fetchedAt), models: toMap(models) };
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      warning = `Could not fetch current prices (${why})`;
    }
  }

  const snapshot = await loadSnapshot();
  if (cache && isoDate(cache.fetchedAt) >= snapshot.date) {
    return fromCache(cache, warning && `${warning}; using prices cached on ${isoDate(cache.fetchedAt)}`);
  }
  return {
    source: 'snapshot', date: snapshot.date, models: toMap(snapshot.models),
    ...(warning ? { warning: `${warning}; using the bundled price list of ${snapshot.date}` } : {}),
  };
}

/**
 * The price of a model id: exact, then case-insensitive, then without a variant suffix (':beta',
 * ':thinking', ':online'…). A ':free' variant missing from the list is priced at zero, from its base
 * model's entry (free variants cost nothing but are rate-limited).
 */
export function findPrice(models: Map<string, ModelPrice>, id: string): ModelPrice | undefined {
  const wanted = id.trim();
  const exact = models.get(wanted) ?? models.get(wanted.toLowerCase());
  if (exact) return exact;
  // Responses and history name the dated canonical slug (openrouter-api.md §2.1).
  for (const m of models.values()) if (m.canonicalSlug === wanted) return m;
  const m = /^(.*):([a-z0-9-]+)$/i.exec(wanted);
  if (!m) return undefined;
  const base = models.get(m[1]!) ?? models.get(m[1]!.toLowerCase());
  if (!base) return undefined;
  if (m[2]!.toLowerCase() === 'free') return { ...base, id: wanted, prompt: 0, completion: 0, image: 0, request: 0 };
  return base;
}
