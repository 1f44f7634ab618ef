import { backoffMs } from './openrouter/retry-delay.js';

/**
 * Every retry and second-chance rule in one object, read by the sender (retries, waits, backoff,
 * "can only afford N" tokens), the send step (the image-refusal shrink, the re-ask after an answer
 * in the wrong shape) and reconcile (its /generation look-ups). Data, like undici's retry options:
 * a test or a library user changes a rule by passing another policy, not by editing seven files.
 */
export interface RetryPolicy {
  /** Retries after the first attempt for rate limits, timeouts, network and server errors (--retries). */
  retries: number;
  /** Full-jitter exponential backoff when the server gives no hint: uniform in [0, min(cap, base·2^(n-1))). */
  backoff: { baseMs: number; capMs: number };
  /**
   * Waits that use up no retry (credits, the 402 in-flight budget) stop after this many: a run must
   * not wait forever.
   */
  maxWaits: number;
  /** Smallest max_tokens worth a retry after "can only afford N tokens". */
  minUsefulTokens: number;
  /** After the provider refused the image: re-compress smaller and send again, this many times (0: never). */
  imageRefusal: { tries: number; edgeFactor: number; minEdge: number; maxQuality: number };
  /** Answers in the wrong shape (not the JSON asked for) are asked again this many times. */
  reaskInvalidOutput: number;
  /** reconcile's look-ups of /generation: a 404 right after the answer, or a transient failure. */
  reconcile: { retries: number; delayMs: number };
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  retries: 5,
  backoff: Object.freeze({ baseMs: 1000, capMs: 60_000 }),
  maxWaits: 20,
  minUsefulTokens: 64,
  imageRefusal: Object.freeze({ tries: 1, edgeFactor: 0.5, minEdge: 512, maxQuality: 70 }),
  reaskInvalidOutput: 1,
  reconcile: Object.freeze({ retries: 3, delayMs: 750 }),
}) as RetryPolicy;

/** The default policy with some rules changed, validated in the house voice. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  for (const [name, v] of [['retries', p.retries], ['maxWaits', p.maxWaits], ['reaskInvalidOutput', p.reaskInvalidOutput], ['imageRefusal.tries', p.imageRefusal.tries]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`Expected \`${name}\` to be a non-negative integer.`);
  }
  if (!(p.imageRefusal.edgeFactor > 0 && p.imageRefusal.edgeFactor < 1)) throw new TypeError('Expected `imageRefusal.edgeFactor` to be between 0 and 1.');
  return Object.freeze(p);
}

/** The delay before retry number `retry` (from 1): the server's hint when it gave one, else backoff. */
export function retryDelay(policy: RetryPolicy, err: { retryAfterMs: number | null }, retry: number, random: () => number = Math.random): number {
  return err.retryAfterMs ?? backoffMs(retry, random, policy.backoff.baseMs, policy.backoff.capMs);
}

/** The longest edge for the second try after an image refusal, or undefined when the policy gives none. */
export function shrunkEdge(policy: RetryPolicy, current: { width: number; height: number }): number {
  return Math.max(policy.imageRefusal.minEdge, Math.round(Math.max(current.width, current.height) * policy.imageRefusal.edgeFactor));
}
