import { ApiError, interruptedError } from './api-error.js';
import type { KeyInfo, OpenRouterClient } from './client.js';
import { defaultSleep, type SleepFn } from './sleep.js';

export interface WaitForCreditsOptions {
  client: Pick<OpenRouterClient, 'getKey'>;
  /** Poll interval (default 30 s). */
  intervalMs?: number;
  /** Give up (resolve false) after this long (default: wait until aborted). */
  maxWaitMs?: number;
  sleep?: SleepFn;
  now?: () => number;
  signal?: AbortSignal;
  /**
   * Used when the key has no limit of its own (the account balance is not visible to a normal key): a cheap real
   * request, true when it went through.
   */
  probe?: () => Promise<boolean>;
}

/** Errors that end the wait instead of counting as "not yet": a bad key and an abort. */
function isFatal(e: unknown): e is ApiError {
  return e instanceof ApiError && (e.kind === 'auth' || e.kind === 'interrupted');
}

async function creditsBack(opts: WaitForCreditsOptions): Promise<boolean> {
  let info: KeyInfo;
  try {
    info = await opts.client.getKey(opts.signal ? { signal: opts.signal } : {});
  } catch (e) {
    if (isFatal(e)) throw e;
    return false; // a network hiccup while polling is not a verdict
  }
  if (info.limit !== null) return (info.limit_remaining ?? 0) > 0;
  if (!opts.probe) {
    // Nothing to look at: let the caller's own request find out (a refused request is not billed).
    return true;
  }
  try {
    return await opts.probe();
  } catch (e) {
    if (isFatal(e)) throw e;
    return false;
  }
}

/**
 * Polls `GET /key` until credits are back (true) or `maxWaitMs` passes (false). Throws ApiError for a rejected key
 * or an abort. The first look is after one interval: the 402 that led here is fresh news.
 */
export async function waitForCredits(opts: WaitForCreditsOptions): Promise<boolean> {
  const interval = Math.max(1, opts.intervalMs ?? 30_000);
  const maxWait = opts.maxWaitMs ?? Number.POSITIVE_INFINITY;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const start = now();
  // Counting slept time too keeps maxWaitMs meaningful with an injected instant sleep.
  let slept = 0;
  for (;;) {
    const elapsed = Math.max(slept, now() - start);
    if (elapsed >= maxWait) return false;
    const step = Math.min(interval, maxWait - elapsed);
    try {
      await sleep(step, opts.signal);
    } catch (e) {
      throw interruptedError(undefined, e);
    }
    slept += step;
    if (opts.signal?.aborted) throw interruptedError();
    if (await creditsBack(opts)) return true;
  }
}
