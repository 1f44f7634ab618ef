/** Response headers as undici and node:http give them (names lower-cased), or a plain object from a body. */
export type HeaderBag = Record<string, string | string[] | number | undefined | null>;

const MIN_EPOCH_MS = 1e12; // 2001-09-09: anything smaller is not an epoch in milliseconds
const MIN_EPOCH_S = 1e9;

/** Case-insensitive header lookup; the first value of a repeated header. */
export function headerValue(headers: HeaderBag | undefined | null, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted || v === undefined || v === null) continue;
    const first = Array.isArray(v) ? v[0] : v;
    return first === undefined ? undefined : String(first).trim();
  }
  return undefined;
}

/** `Retry-After`: delta seconds or an HTTP date. Returns ms from `now`, never negative; null if absent/invalid. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * `X-RateLimit-Reset`: OpenRouter sends epoch MILLISECONDS (openrouter-api.md §4.6). Epoch seconds are accepted
 * too because other gateways use them. Returns the epoch ms of the reset, or null.
 */
export function parseRateLimitReset(value: string | number | undefined | null): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return null;
  if (n >= MIN_EPOCH_MS) return Math.round(n);
  if (n >= MIN_EPOCH_S) return Math.round(n * 1000);
  return null;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Epoch ms of X-RateLimit-Reset from the response headers, else from `error.metadata.headers`. */
export function rateLimitResetAt(headers: HeaderBag | undefined, error: unknown): number | null {
  const fromHeader = parseRateLimitReset(headerValue(headers, 'x-ratelimit-reset'));
  if (fromHeader !== null) return fromHeader;
  const metaHeaders = asRecord(asRecord(asRecord(error)?.metadata)?.headers) as HeaderBag | undefined;
  return parseRateLimitReset(headerValue(metaHeaders, 'x-ratelimit-reset'));
}

/**
 * The wait the server asked for, in ms, or null: `retry-after-ms`, then `Retry-After`, then
 * `error.availability.retry_after` (seconds), then the body-only `metadata.retry_after_seconds` and
 * `metadata.headers["Retry-After"]`, then X-RateLimit-Reset (epoch ms) minus now.
 */
export function serverDelayHintMs(input: { headers?: HeaderBag; error?: unknown; now: number }): number | null {
  const { headers, error, now } = input;
  const ms = Number(headerValue(headers, 'retry-after-ms'));
  if (headerValue(headers, 'retry-after-ms') !== undefined && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), now);
  if (retryAfter !== null) return retryAfter;
  const err = asRecord(error);
  const availability = asRecord(err?.availability) ?? asRecord(asRecord(err?.metadata)?.availability);
  const seconds = availability?.retry_after;
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  if (typeof seconds === 'string' && /^\d+(\.\d+)?$/.test(seconds)) return Math.round(Number(seconds) * 1000);
  // Hints carried only in the body (openrouter-api.md §4.6): metadata.retry_after_seconds, then metadata.headers.
  const meta = asRecord(err?.metadata);
  const bodySeconds = meta?.retry_after_seconds;
  if (typeof bodySeconds === 'number' && Number.isFinite(bodySeconds) && bodySeconds >= 0) return Math.round(bodySeconds * 1000);
  const bodyHeaders = asRecord(meta?.headers) as HeaderBag | undefined;
  const bodyRetryAfter = parseRetryAfter(headerValue(bodyHeaders, 'retry-after'), now);
  if (bodyRetryAfter !== null) return bodyRetryAfter;
  const resetAt = rateLimitResetAt(headers, error);
  return resetAt === null ? null : Math.max(0, resetAt - now);
}

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 60_000;

/**
 * Exponential backoff with full jitter (uniform in [0, min(cap, base·2^(retry-1)))): spreads the retries of many
 * workers that failed together. `retry` counts from 1.
 */
export function backoffMs(
  retry: number,
  random: () => number = Math.random,
  baseMs = BACKOFF_BASE_MS,
  capMs = BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

/** The server's hint when it gave one, else backoff. */
export function retryDelayMs(err: { retryAfterMs: number | null }, retry: number, random: () => number = Math.random): number {
  return err.retryAfterMs ?? backoffMs(retry, random);
}
