import type { BatchOptions } from './options.js';
import type { ApiError } from '../send/openrouter/api-error.js';
import { waitForCredits } from '../send/openrouter/credits.js';
import { createSender, type Sender, type SenderEvent } from '../send/openrouter/sender.js';
import type { RetryPolicy } from '../send/retry-policy.js';
import { withTier } from '../send/flex-tier.js';

/**
 * Requests in flight when `-c auto` starts: 1/16 of the ceiling (--max-concurrency), from 4 to 16. A user who
 * allows 256 expects a provider that takes far more than 4, and at ×1.5 a round every doubling costs about two
 * latencies: from 4, reaching 128 took ten rounds (2.5 s), and a 3,000-photo run at K = 128 got 0.82 of the best
 * fixed -c (bench 11c). The default ceiling (64) still starts at 4, and 16 is below what any server kind refuses
 * (Ollama, LM Studio, llama.cpp and vLLM queue; OpenRouter serves far more).
 */
const autoInitial = (max: number): number => Math.min(max, Math.max(4, Math.min(16, Math.floor(max / 16))));

/**
 * The session's sender: the client (on the flex tier when asked), flow control, retries, and the credit
 * wait. `--wait-for-credits` is one deadline for the whole run, counted from the first time credits ran out:
 * later waits get what is left of it, so the run gives up when it says it will.
 */
export function sessionSender(
  opts: Omit<BatchOptions, 'photos'>, policy: RetryPolicy, hardSignal: AbortSignal, onEvent: (event: SenderEvent) => void,
): Sender {
  let creditDeadline: number | undefined;
  const waitMs = opts.waitForCreditsMs;
  return createSender({
    client: opts.tier ? { chatCompletion: withTier((b, o) => opts.client.chatCompletion(b, o), opts.tier) } : opts.client,
    concurrency: opts.concurrency,
    ...(opts.autoConcurrency ? { autoInitial: autoInitial(opts.concurrency) } : {}),
    retries: opts.retries, policy,
    ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
    ...(opts.sleep === undefined ? {} : { sleep: opts.sleep }),
    ...(waitMs === undefined
      ? {}
      : {
          creditDeadline: () => (creditDeadline ??= Date.now() + waitMs),
          waitForCredits: (_err: ApiError, signal?: AbortSignal) => {
            creditDeadline ??= Date.now() + waitMs;
            const left = Math.max(0, creditDeadline - Date.now());
            return waitForCredits({
              client: opts.client, intervalMs: Math.min(opts.creditPollMs ?? 30_000, Math.max(1, left)), maxWaitMs: left,
              ...(opts.sleep === undefined ? {} : { sleep: opts.sleep }), signal: signal ?? hardSignal,
            });
          },
        }),
    onEvent,
  });
}
