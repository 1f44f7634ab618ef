import { interruptedError } from './api-error.js';
import { AutoConcurrency } from './auto-concurrency.js';
import { RateCap } from './rate-cap.js';
import { defaultSleep, type SleepFn } from './sleep.js';

export type FlowEvent = { type: 'gate'; untilMs: number; reason: string } | { type: 'concurrency'; limit: number };

export interface FlowControlOptions {
  concurrency: number;
  /** Requests per minute; undefined or 0 means no rate cap. */
  rpm?: number;
  now?: () => number;
  sleep?: SleepFn;
  onEvent?: (e: FlowEvent) => void;
  /** `-c auto`: `concurrency` is the ceiling (--max-concurrency); the limit starts here and finds its level. */
  autoInitial?: number;
}

/** Proof of a granted slot; `epoch` lets AIMD ignore throttles from attempts started before the last decrease. */
export interface Ticket {
  readonly epoch: number;
  /** When the slot was granted, for -c auto's latency. */
  readonly startedAt?: number;
}

interface Waiter {
  resolve: (t: Ticket) => void;
  reject: (e: unknown) => void;
  detach: () => void;
}

/**
 * Decides when an attempt may start: a global gate (closed by 429s), an AIMD in-flight limit that never exceeds
 * `concurrency`, an optional RPM cap, and a pause for credit top-ups. Waiters are served first come, first served.
 *
 * Time is virtual: a completed sleep of `ms` advances the clock at least `ms`, so an injected instant sleep in tests
 * moves time forward instead of spinning.
 */
export class FlowControl {
  readonly concurrency: number;
  readonly #sleep: SleepFn;
  readonly #realNow: () => number;
  readonly #onEvent: (e: FlowEvent) => void;
  readonly #queue: Waiter[] = [];
  readonly #stop = new AbortController();
  readonly #rate: RateCap | undefined;
  #clock = 0;
  #limit: number;
  #inFlight = 0;
  #gateUntil = 0;
  #paused = 0;
  #epoch = 0;
  #streak = 0;
  #wakeAt = Number.POSITIVE_INFINITY;
  readonly #wakeCancels = new Set<AbortController>();
  readonly #auto: AutoConcurrency | undefined;

  constructor(opts: FlowControlOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    this.concurrency = opts.concurrency;
    this.#limit = opts.concurrency;
    if (opts.autoInitial !== undefined) {
      this.#auto = new AutoConcurrency({ initial: opts.autoInitial, max: opts.concurrency });
      this.#limit = this.#auto.limit;
    }
    this.#sleep = opts.sleep ?? defaultSleep;
    this.#realNow = opts.now ?? Date.now;
    this.#onEvent = opts.onEvent ?? (() => {});
    if (opts.rpm !== undefined && opts.rpm > 0) {
      const burst = Math.min(this.concurrency, Math.floor(opts.rpm / 60));
      this.#rate = new RateCap(opts.rpm, burst, this.now());
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }
  get limit(): number {
    return this.#limit;
  }
  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }
  /** Aborted by stop(); for waits that belong to the whole sender. */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  now(): number {
    return Math.max(this.#realNow(), this.#clock);
  }

  /** Sleeps (abortable) and advances the virtual clock. */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const start = this.now();
    await this.#sleep(ms, signal);
    this.#clock = Math.max(this.#clock, start + ms);
  }

  /** Waits for a slot. Rejects with an 'interrupted' ApiError when `signal` aborts or the flow is stopped. */
  acquire(signal?: AbortSignal): Promise<Ticket> {
    if (this.stopped || signal?.aborted) return Promise.reject(interruptedError());
    return new Promise<Ticket>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        // A pending gate timer with nobody left to wake would keep the process alive.
        if (this.#queue.length === 0) this.#cancelWake();
        reject(interruptedError());
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Frees a slot. A run of `limit` successes grows the limit by one, back up to `concurrency`. */
  release(ticket: Ticket, outcome: 'success' | 'failure'): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#auto) {
      const now = this.now();
      const next = outcome === 'success' && ticket.startedAt !== undefined ? this.#auto.sample(now - ticket.startedAt, now) : undefined;
      if (next !== undefined) {
        this.#limit = next;
        this.#onEvent({ type: 'concurrency', limit: next });
      }
    } else if (outcome === 'success' && ++this.#streak >= this.#limit && this.#limit < this.concurrency) {
      this.#limit += 1;
      this.#streak = 0;
      this.#onEvent({ type: 'concurrency', limit: this.#limit });
    }
    this.#pump();
  }

  /**
   * Halves the limit (min 1) after a rate limit. Attempts already in flight when the limit last dropped hit the
   * same overload, so only the first of them counts; returns whether the limit was cut.
   */
  throttle(ticket: Ticket): boolean {
    if (ticket.epoch !== this.#epoch) return false;
    this.#epoch += 1;
    this.#streak = 0;
    const next = Math.max(1, Math.floor(this.#limit / 2));
    if (next === this.#limit) return false;
    this.#limit = next;
    this.#auto?.throttled(next);
    this.#onEvent({ type: 'concurrency', limit: next });
    return true;
  }

  /** No attempt starts anywhere for `delayMs`; extends, never shortens, a closed gate. */
  closeGate(delayMs: number, reason: string): void {
    const until = this.now() + Math.max(0, delayMs);
    if (until <= this.#gateUntil) return;
    this.#gateUntil = until;
    this.#onEvent({ type: 'gate', untilMs: until, reason });
    this.#pump();
  }

  /** Holds every start until resume() (nested pauses need as many resumes). */
  pause(): void {
    this.#paused += 1;
  }
  resume(): void {
    this.#paused = Math.max(0, this.#paused - 1);
    this.#pump();
  }

  /** No new attempt starts; waiting ones reject as interrupted. Attempts in flight are left to finish. */
  stop(): void {
    if (this.stopped) return;
    this.#stop.abort();
    for (const w of this.#queue.splice(0)) {
      w.detach();
      w.reject(interruptedError('Stopped before sending; finished results are saved, re-run the same command to continue.'));
    }
  }

  #pump(): void {
    while (this.#queue.length > 0 && !this.stopped && this.#paused === 0) {
      const now = this.now();
      if (this.#gateUntil > now) return this.#wakeIn(this.#gateUntil - now);
      if (this.#inFlight >= this.#limit) return;
      const wait = this.#rate?.take(now) ?? 0;
      if (wait > 0) return this.#wakeIn(wait);
      const waiter = this.#queue.shift()!;
      this.#inFlight += 1;
      waiter.detach();
      waiter.resolve({ epoch: this.#epoch, startedAt: now });
    }
  }

  /** One timer at a time drives the queue; a later-needed wake is dropped, an earlier one added. */
  #wakeIn(ms: number): void {
    const at = this.now() + ms;
    if (at >= this.#wakeAt) return;
    this.#wakeAt = at;
    const cancel = new AbortController();
    this.#wakeCancels.add(cancel);
    this.sleep(ms, AbortSignal.any([this.#stop.signal, cancel.signal]))
      .finally(() => this.#wakeCancels.delete(cancel))
      .then(
      () => {
        if (this.#wakeAt === at) this.#wakeAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      () => {},
    );
  }

  #cancelWake(): void {
    for (const c of this.#wakeCancels) c.abort();
    this.#wakeCancels.clear();
    this.#wakeAt = Number.POSITIVE_INFINITY;
  }
}
