import { describe, expect, test } from 'vitest';
import {
  backoffMs,
  parseRateLimitReset,
  parseRetryAfter,
  retryDelayMs,
  serverDelayHintMs,
} from '../../../src/core/send/openrouter/retry-delay.js';

const NOW = Date.UTC(2026, 7, 22, 12, 0, 0);

describe('parseRetryAfter', () => {
  test.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    [new Date(NOW + 30_000).toUTCString(), 30_000],
    [new Date(NOW - 30_000).toUTCString(), 0],
    ['soon', null],
    [undefined, null],
  ])('%s → %s ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('parseRateLimitReset', () => {
  test.each([
    ['1779321600000', 1779321600000],
    ['1779321600', 1779321600000],
    ['12', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (value, expected) => {
    expect(parseRateLimitReset(value)).toBe(expected);
  });
});

describe('serverDelayHintMs', () => {
  const err = (extra: Record<string, unknown>) => ({ code: 429, message: 'x', ...extra });
  test.each([
    ['Retry-After seconds', { 'retry-after': '3' }, undefined, 3000],
    ['Retry-After HTTP date', { 'Retry-After': new Date(NOW + 10_000).toUTCString() }, undefined, 10_000],
    ['retry-after-ms', { 'retry-after-ms': '250' }, undefined, 250],
    ['availability.retry_after', {}, err({ availability: { retry_after: 4 } }), 4000],
    ['X-RateLimit-Reset header (epoch ms)', { 'x-ratelimit-reset': String(NOW + 8000) }, undefined, 8000],
    ['X-RateLimit-Reset in metadata.headers', {}, err({ metadata: { headers: { 'X-RateLimit-Reset': String(NOW + 6000) } } }), 6000],
    ['reset in the past', { 'x-ratelimit-reset': String(NOW - 6000) }, undefined, 0],
    ['Retry-After wins over availability and reset', { 'retry-after': '1', 'x-ratelimit-reset': String(NOW + 9000) }, err({ availability: { retry_after: 5 } }), 1000],
    ['availability wins over reset', { 'x-ratelimit-reset': String(NOW + 9000) }, err({ availability: { retry_after: 5 } }), 5000],
    ['nothing', {}, err({}), null],
  ])('%s', (_name, headers, error, expected) => {
    expect(serverDelayHintMs({ headers, error, now: NOW })).toBe(expected);
  });
});

describe('backoffMs (full jitter, base 1 s, cap 60 s)', () => {
  test.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [20, 60_000],
  ])('retry %i stays within [0, %i)', (retry, ceiling) => {
    expect(backoffMs(retry, () => 0)).toBe(0);
    expect(backoffMs(retry, () => 0.5)).toBe(ceiling / 2);
    expect(backoffMs(retry, () => 0.999999)).toBeLessThan(ceiling);
    expect(backoffMs(retry, () => 0.999999)).toBeGreaterThanOrEqual(ceiling - 1);
  });

  test('a server hint is used as is, otherwise backoff', () => {
    expect(retryDelayMs({ retryAfterMs: 1234 }, 3, () => 0.5)).toBe(1234);
    expect(retryDelayMs({ retryAfterMs: null }, 3, () => 0.5)).toBe(2000);
  });
});
