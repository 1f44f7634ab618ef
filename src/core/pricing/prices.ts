/**
 * Model prices from OpenRouter's `/models` (openrouter-api.md §6): parsing, a 24 h cache, and the
 * bundled snapshot for offline use. Prices are USD per token (prompt, completion), per image and
 * per request; "-1" (router models such as openrouter/auto) means unknown and becomes null.
 */
import { writeFileAtomic } from '../atomic-write.js';
import { createHash } from 'node:crypto';
import { parseModelReasoning, type ModelReasoning } from '../reasoning.js';
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ModelPrice {
  id: string;
  name?: string;
  /** USD per input token; null = unknown. */
  prompt: number | null;
  /** USD per output token; null = unknown. */
  completion: number | null;
  /** USD per input image (0 when not listed); null = unknown. */
  image: number | null;
  /** USD per request (0 when not listed); null = unknown. */
  request: number | null;
  /** Fraction off every price, 0–1; applied by the estimate math, not here. */
  discount: number;
  inputModalities?: string[];
  outputModalities?: string[];
  contextLength?: number;
  /** The dated slug responses report (`canonical_slug`), e.g. anthropic/claude-4.6-sonnet-20260217. */
  canonicalSlug?: string;
  /** `/models` reasoning facts (default on, mandatory, efforts). */
  reasoning?: ModelReasoning;
}

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

export const CACHE_FILE = 'models.json';
export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

/** The cache file of one base URL: models.json for OpenRouter, models-<hash>.json for any other server. */
export function cacheFileFor(baseURL: string = OPENROUTER_BASE_URL): string {
  const norm = baseURL.trim().replace(/\/+$/, '').toLowerCase();
  if (norm === OPENROUTER_BASE_URL) return CACHE_FILE;
  return `models-${createHash('sha256').update(norm).digest('hex').slice(0, 16)}.json`;
}
export const CACHE_TTL_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------- parsing

/** Price string → number; "-1", negative or garbage → null; absent → null if required, else 0. */
function priceField(value: unknown, required: boolean): number | null {
  if (value === undefined || value === null || value === '') return required ? null : 0;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/**
 * One `/models` entry (or a snapshot/cache entry of the same shape) → ModelPrice. Price strings
 * become numbers; "-1" and missing prompt/completion prices become null. Throws TypeError when the
 * entry has no string `id`.
 */
export function parseModelPrice(apiModel: unknown): ModelPrice {
  if (!isRecord(apiModel) || typeof apiModel.id !== 'string' || apiModel.id === '') {
    throw new TypeError('Expected a /models entry with a string `id`.');
  }
  const pricing = isRecord(apiModel.pricing) ? apiModel.pricing : {};
  const arch = isRecord(apiModel.architecture) ? apiModel.architecture : {};
  const discountRaw = priceField(pricing.discount, false);
  const price: ModelPrice = {
    id: apiModel.id,
    prompt: priceField(pricing.prompt, true),
    completion: priceField(pricing.completion, true),
    image: priceField(pricing.image, false),
    request: priceField(pricing.request, false),
    discount: discountRaw === null ? 0 : Math.min(1, discountRaw),
  };
  if (typeof apiModel.name === 'string') price.name = apiModel.name;
  const input = strings(arch.input_modalities ?? apiModel.input_modalities);
  const output = strings(arch.output_modalities ?? apiModel.output_modalities);
  if (input) price.inputModalities = input;
  if (output) price.outputModalities = output;
  const ctx = apiModel.context_length;
  if (typeof ctx === 'number' && Number.isFinite(ctx) && ctx > 0) price.contextLength = ctx;
  if (typeof apiModel.canonical_slug === 'string' && apiModel.canonical_slug !== '') price.canonicalSlug = apiModel.canonical_slug;
  const reasoning = parseModelReasoning(apiModel.reasoning);
  if (reasoning) price.reasoning = reasoning;
  return price;
}

function parseAll(entries: readonly unknown[]): ModelPrice[] {
  const out: ModelPrice[] = [];
  for (const entry of entries) {
    try {
      out.push(parseModelPrice(entry));
    } catch {
      // An entry without an id is skipped; the rest of the list is still useful.
    }
  }
  return out;
}

const toMap = (models: readonly ModelPrice[]) => new Map(models.map((m) => [m.id, m]));
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

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

// ---------------------------------------------------------------- cache

/** $XDG_CACHE_HOME/photobatch (an absolute XDG path only, per the spec), else ~/.cache/photobatch. */
export function defaultCacheDir(env: Record<string, string | undefined>, home = os.homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'photobatch') : path.join(home, '.cache', 'photobatch');
}

interface CacheDoc {
  fetchedAt: number;
  models: unknown[];
}

async function readCache(dir: string, baseURL: string | undefined): Promise<CacheDoc | undefined> {
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
async function writeCache(dir: string, fetchedAt: number, models: readonly ModelPrice[], baseURL: string | undefined): Promise<void> {
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
