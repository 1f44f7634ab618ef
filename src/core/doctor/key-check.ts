import { ApiError } from '../send/openrouter/api-error.js';
import type { KeyInfo, OpenRouterClient } from '../send/openrouter/client.js';
import type { DoctorCheck, DoctorProblem } from './check.js';

/** GET /key: whether OpenRouter takes the key, its limit, what is left and what was spent. */
export async function checkKeyInfo(client: Pick<OpenRouterClient, 'getKey'>, baseURL: string): Promise<[DoctorCheck, DoctorProblem?]> {
  let info: KeyInfo;
  try {
    info = await client.getKey();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      return [{ name: 'key', status: 'fail', message: 'OpenRouter rejected the API key (401): it is wrong, disabled or deleted', data: { valid: false, status: 401 } }, 'key_rejected'];
    }
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return [{ name: 'key', status: 'fail', message: `could not check the key at ${baseURL}/key (${why})`, data: { valid: null } }, 'unreachable'];
  }
  const money = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `$${x.toFixed(2)}` : 'unknown');
  const parts = [
    info.limit === null ? 'no spending limit' : `limit ${money(info.limit)}, ${money(info.limit_remaining)} left${info.limit_reset ? ` (resets ${info.limit_reset})` : ''}`,
    `spent ${money(info.usage_daily)} today, ${money(info.usage_monthly)} this month`,
    info.is_free_tier ? 'free tier (no credits bought yet: free models only, with a daily request cap)' : 'paid account',
  ];
  const empty = info.limit !== null && info.limit_remaining !== null && info.limit_remaining <= 0;
  const data = {
    valid: true, limit: info.limit, limit_remaining: info.limit_remaining, limit_reset: info.limit_reset ?? null,
    usage_daily: info.usage_daily ?? null, usage_monthly: info.usage_monthly ?? null, is_free_tier: info.is_free_tier ?? null,
  };
  // OpenRouter's `label` shows the key's last characters too, so it is never passed on.
  if (empty) {
    return [{ name: 'key', status: 'fail', message: `key valid, but no credit left under its limit: ${parts.join(' · ')}`, data }, 'out_of_credits'];
  }
  return [{ name: 'key', status: info.is_free_tier ? 'warn' : 'ok', message: `key valid: ${parts.join(' · ')}`, data }];
}
