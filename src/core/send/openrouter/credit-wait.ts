import { interruptedError, type ApiError } from './api-error.js';
import type { FlowControl } from './flow-control.js';

export type CreditEvent = { type: 'waiting_for_credits'; untilMs?: number } | { type: 'credits_back' };

export interface CreditWaitOptions {
  flow: Pick<FlowControl, 'stopSignal' | 'resume'>;
  /** Resolves true when credits are back. Called once for all requests that ran out together. */
  waitForCredits: (err: ApiError, signal?: AbortSignal) => Promise<boolean>;
  /** When the credit wait gives up (epoch ms), for the progress line. */
  creditDeadline?: () => number | undefined;
  emit: (e: CreditEvent) => void;
}

/** Resolves or rejects with `promise`, or rejects as interrupted when any signal aborts first. */
function untilAborted<T>(promise: Promise<T>, signals: (AbortSignal | undefined)[]): Promise<T> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  if (live.some((s) => s.aborted)) return Promise.reject(interruptedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interruptedError());
    for (const s of live) s.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      for (const s of live) s.removeEventListener('abort', onAbort);
    });
  });
}

/**
 * One shared wait for every request that hit the empty account. Each caller holds a pause (taken before its slot
 * was released) until the wait ends, so nothing starts meanwhile. When every caller has given up (aborted), the
 * poll is cancelled too, so it cannot keep the process alive.
 */
export function createCreditWait(opts: CreditWaitOptions): (err: ApiError, signal: AbortSignal | undefined) => Promise<boolean> {
  const { flow, emit } = opts;
  let credits: { promise: Promise<boolean>; stop: AbortController; waiters: number } | null = null;
  return async function awaitCredits(err, signal) {
    if (!credits) {
      const untilMs = opts.creditDeadline?.();
      emit({ type: 'waiting_for_credits', ...(untilMs === undefined ? {} : { untilMs }) });
      const stop = new AbortController();
      const wait = { stop, waiters: 0, promise: Promise.resolve(false) };
      wait.promise = opts.waitForCredits(err, AbortSignal.any([flow.stopSignal, stop.signal]))
        .then((back) => {
          if (back) emit({ type: 'credits_back' });
          return back;
        })
        .finally(() => {
          if (credits === wait) credits = null;
        });
      credits = wait;
    }
    const wait = credits;
    wait.waiters += 1;
    try {
      return await untilAborted(wait.promise, [signal, flow.stopSignal]);
    } finally {
      wait.waiters -= 1;
      if (wait.waiters === 0) {
        wait.stop.abort();
        if (credits === wait) credits = null;
      }
      flow.resume();
    }
  };
}
