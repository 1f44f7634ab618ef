import type { ErrorKind } from '../../types.js';
import { ApiError, interruptedError } from './api-error.js';
import { createCreditWait, type CreditEvent } from './credit-wait.js';
import type { ChatBody, ChatSuccess, OpenRouterClient } from './client.js';
import { FlowControl, type Ticket } from './flow-control.js';
import type { SleepFn } from './sleep.js';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from '../retry-policy.js';
import { addUsage, zeroUsage } from './usage.js';
import type { Usage } from '../../types.js';

export interface SenderOptions {
  client: Pick<OpenRouterClient, 'chatCompletion'>;
  /** Hard cap on requests in flight. */
  concurrency: number;
  /** -c auto: start at this many in flight and adapt, up to `concurrency`. */
  autoInitial?: number;
  /** Retries after the first attempt (default 5). */
  retries: number;
  rpm?: number;
  /** Smallest max_tokens worth a retry after "can only afford N" (default: the policy's). */
  minUsefulTokens?: number;
  /** Backoff, waits and token rules (default DEFAULT_RETRY_POLICY; `retries` above wins over its own). */
  policy?: RetryPolicy;
  sleep?: SleepFn;
  now?: () => number;
  random?: () => number;
  /** Resolves true when credits are back. Called once for all requests that ran out together. */
  waitForCredits?: (err: ApiError, signal?: AbortSignal) => Promise<boolean>;
  /** When the credit wait gives up (epoch ms), for the progress line. */
  creditDeadline?: () => number | undefined;
  onEvent?: (e: SenderEvent) => void;
}

export type SenderEvent =
  | { type: 'retry'; kind: ErrorKind; status: number | null; delayMs: number; attempt: number }
  | { type: 'gate'; untilMs: number; reason: string }
  | { type: 'concurrency'; limit: number }
  | CreditEvent;

export interface SendResult {
  result: ChatSuccess;
  /** HTTP attempts made. */
  attempts: number;
  /** max_tokens of the successful attempt (lower than requested after an affordability retry). */
  maxTokensUsed: number;
  /** Billed usage of earlier attempts that failed (rare: billed failures are not retried), for the bill. */
  failedUsage?: Usage;
}

export interface Sender {
  /** Sends with retries; throws ApiError (with `attempts`) on final failure. */
  send(body: ChatBody, opts?: { signal?: AbortSignal }): Promise<SendResult>;
  readonly inFlight: number;
  readonly limit: number;
  /** No new attempts start after this; waiting ones reject with kind 'interrupted', action 'stop_run'. */
  stop(): void;
}

/** Waits for credits and 'wait' 402s do not use up retries, but a run must not wait forever on them. */
export const MAX_WAITS = DEFAULT_RETRY_POLICY.maxWaits;

/** max_tokens to retry with after "can only afford N": a margin, because the estimate moves with the prompt. */
export function affordableMaxTokens(n: number): number {
  return n - Math.max(8, Math.ceil(n * 0.02));
}

export function createSender(opts: SenderOptions): Sender {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const retries = Math.max(0, Math.floor(opts.retries ?? policy.retries));
  const minUseful = opts.minUsefulTokens ?? policy.minUsefulTokens;
  const maxWaits = policy.maxWaits;
  const random = opts.random ?? Math.random;
  // A throwing listener must not turn a good answer into a failed photo.
  const emit = (e: SenderEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      /* ignored on purpose */
    }
  };
  const flow = new FlowControl({
    concurrency: opts.concurrency,
    ...(opts.autoInitial === undefined ? {} : { autoInitial: opts.autoInitial }),
    ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
    ...(opts.now === undefined ? {} : { now: opts.now }),
    ...(opts.sleep === undefined ? {} : { sleep: opts.sleep }),
    onEvent: emit,
  });
  const awaitCredits = opts.waitForCredits === undefined
    ? undefined
    : createCreditWait({
      flow, waitForCredits: opts.waitForCredits, emit,
      ...(opts.creditDeadline === undefined ? {} : { creditDeadline: opts.creditDeadline }),
    });

  async function send(body: ChatBody, sendOpts: { signal?: AbortSignal } = {}): Promise<SendResult> {
    const { signal } = sendOpts;
    let attempts = 0;
    let retriesUsed = 0;
    let waits = 0;
    let maxTokens = body.max_tokens;
    let shrunk = false;
    // Every billed answer belongs in the bill, including those of attempts that were retried.
    let failedUsage: Usage | undefined;
    let failedModel: string | undefined;
    const final = (err: ApiError): ApiError => {
      err.attempts = attempts;
      if (failedUsage) {
        err.usage = failedUsage;
        if (failedModel !== undefined && err.model === undefined) err.model = failedModel;
      }
      return err;
    };

    for (;;) {
      let ticket: Ticket;
      try {
        ticket = await flow.acquire(signal);
      } catch (e) {
        throw e instanceof ApiError ? final(e) : e;
      }
      attempts += 1;
      let err: ApiError;
      try {
        const attemptBody = maxTokens === body.max_tokens ? body : { ...body, max_tokens: maxTokens };
        const result = await opts.client.chatCompletion(attemptBody, signal ? { signal } : {});
        flow.release(ticket, 'success');
        return { result, attempts, maxTokensUsed: maxTokens, ...(failedUsage ? { failedUsage } : {}) };
      } catch (e) {
        if (!(e instanceof ApiError)) {
          flow.release(ticket, 'failure');
          throw e;
        }
        err = e;
        if (err.usage) {
          addUsage((failedUsage ??= zeroUsage()), err.usage);
          failedModel = err.model ?? failedModel;
        }
      }

      // Gate and limit change BEFORE the slot is released, so no waiter slips through in between.
      const throttled = (err.kind === 'rate_limited' && err.action === 'retry') || err.action === 'wait';
      let gateDelay: number | null = null;
      if (throttled && !(signal?.aborted) && !flow.stopped) {
        gateDelay = retryDelay(policy, err, err.action === 'wait' ? waits + 1 : retriesUsed + 1, random);
        flow.throttle(ticket);
        flow.closeGate(gateDelay, err.action === 'wait' ? 'in_flight_budget' : 'rate_limited');
      }
      const affordable = err.affordableTokens === undefined ? undefined : affordableMaxTokens(err.affordableTokens);
      const shrink = err.stopReason === 'out_of_credits' && affordable !== undefined && !shrunk &&
        affordable >= minUseful && affordable < maxTokens;
      // A spent key limit can be raised (or resets daily) like credits can be topped up: /key shows both.
      const waitCredits = (err.stopReason === 'out_of_credits' || err.stopReason === 'key_limit') && !shrink && awaitCredits !== undefined &&
        waits < maxWaits && !(signal?.aborted) && !flow.stopped;
      if (waitCredits) flow.pause();
      flow.release(ticket, 'failure');
      if (err.kind === 'interrupted' || signal?.aborted) throw final(err.kind === 'interrupted' ? err : interruptedError(undefined, err));

      if (err.action === 'retry') {
        if (retriesUsed >= retries) throw final(err);
        retriesUsed += 1;
        const delayMs = gateDelay ?? retryDelay(policy, err, retriesUsed, random);
        emit({ type: 'retry', kind: err.kind, status: err.status, delayMs, attempt: attempts });
        // Rate limits wait at the shared gate inside acquire(); other failures back off on their own.
        if (gateDelay === null && delayMs > 0) await sleepOrInterrupt(delayMs, signal, attempts);
        continue;
      }
      if (err.action === 'wait') {
        if (waits >= maxWaits) throw final(err);
        waits += 1;
        emit({ type: 'retry', kind: err.kind, status: err.status, delayMs: gateDelay ?? 0, attempt: attempts });
        continue;
      }
      if (shrink) {
        shrunk = true;
        maxTokens = affordable!;
        emit({ type: 'retry', kind: err.kind, status: err.status, delayMs: 0, attempt: attempts });
        continue;
      }
      if (waitCredits) {
        waits += 1;
        let back: boolean;
        try {
          back = await awaitCredits!(err, signal);
        } catch (e) {
          // Auth failures and interruptions while polling explain the stop better than the 402 does.
          throw final(e instanceof ApiError ? e : err);
        }
        if (back) continue;
        if (!flow.stopped && !(signal?.aborted)) {
          err.message = `${err.message} Waited for credits until the --wait-for-credits deadline and gave up.`;
        }
      }
      throw final(err);
    }
  }

  async function sleepOrInterrupt(ms: number, signal: AbortSignal | undefined, attempts: number): Promise<void> {
    const signals = [flow.stopSignal, ...(signal ? [signal] : [])];
    try {
      await flow.sleep(ms, signals.length === 1 ? signals[0] : AbortSignal.any(signals));
    } catch (e) {
      const err = interruptedError(undefined, e);
      err.attempts = attempts;
      throw err;
    }
  }

  return {
    send,
    get inFlight() {
      return flow.inFlight;
    },
    get limit() {
      return flow.limit;
    },
    stop: () => flow.stop(),
  };
}
