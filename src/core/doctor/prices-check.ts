import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_FILE, CACHE_TTL_MS, defaultCacheDir } from '../pricing/price-cache.js';
import { loadPrices } from '../pricing/prices.js';
import type { DoctorCheck } from './check.js';

/** How old the price cache is, and which prices an offline estimate would use. */
export async function pricesCheck(input: { env: Record<string, string | undefined>; cacheDir?: string; now?: () => number }): Promise<DoctorCheck> {
  const now = input.now ?? Date.now;
  const dir = input.cacheDir ?? defaultCacheDir(input.env);
  const file = path.join(dir, CACHE_FILE);
  let fetchedAt: number | undefined;
  try {
    const doc = JSON.parse(await readFile(file, 'utf8')) as { fetchedAt?: unknown };
    if (typeof doc.fetchedAt === 'number') fetchedAt = doc.fetchedAt;
  } catch {
    // No cache, or an unreadable one: loadPrices treats both as absent, and so does this check.
  }
  // The same choice a dry run makes offline, so the line says which prices an estimate would use.
  const used = await loadPrices({ offline: true, cacheDir: dir, now });
  const data = { source: used.source, date: used.date, models: used.models.size, cache_file: file, cache_age_hours: fetchedAt === undefined ? null : round1((now() - fetchedAt) / 3_600_000) };
  if (fetchedAt === undefined) {
    return { name: 'prices', status: 'warn', message: `no price cache yet: estimates use the bundled list of ${used.date} (\`photobatch models\` online fetches current prices)`, data };
  }
  const age = ageText(now() - fetchedAt);
  if (now() - fetchedAt < CACHE_TTL_MS) {
    return { name: 'prices', status: 'ok', message: `prices cached ${age} ago (${used.models.size} models)`, data };
  }
  const using = used.source === 'cache' ? `the cache of ${used.date}` : `the bundled list of ${used.date}`;
  return { name: 'prices', status: 'warn', message: `price cache is ${age} old: a run refreshes it; offline estimates use ${using} (\`photobatch models --refresh\` updates it)`, data };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function ageText(ms: number): string {
  const h = ms / 3_600_000;
  if (h < 1) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (h < 48) return `${Math.round(h)} h`;
  return `${Math.round(h / 24)} days`;
}
