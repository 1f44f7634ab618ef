/**
 * `-c auto`: finds how many requests the provider sustains. Start low; each round (as many answers as the
 * limit) compares its mean latency with the best seen in this run. While latency holds and throughput grows,
 * raise the limit (×1.5 at first, then +1 a round); when latency climbs well above the best (the provider is
 * queueing: more in flight only adds waiting), step back. 429s halve the limit (FlowControl.throttle) and end
 * the fast start. Never above `max`. The ×1.5 start (not ×2) matters: from a limit whose latency still holds,
 * one step can never reach twice the provider's capacity, where providers start refusing.
 */
export interface AutoConcurrencyOptions {
  initial: number;
  max: number;
}

/** A round's mean latency up to this factor of the best recent one means "latency holds". */
const HOLDS = 1.25;
/** Above this factor the provider is queueing: step back. */
const COLLAPSE = 1.6;

export class AutoConcurrency {
  readonly max: number;
  limit: number;
  #fastStart = true;
  #count = 0;
  #sum = 0;
  #roundStart = 0;
  #best = Number.POSITIVE_INFINITY;
  #lastRate = 0;

  constructor(opts: AutoConcurrencyOptions) {
    this.max = Math.max(1, opts.max);
    this.limit = Math.max(1, Math.min(this.max, opts.initial));
  }

  /** One answered request and its latency; returns the new limit when it changed. */
  sample(latencyMs: number, now: number): number | undefined {
    if (this.#count === 0) this.#roundStart = now - latencyMs;
    this.#count++;
    this.#sum += latencyMs;
    if (this.#count < Math.max(4, this.limit)) return undefined;
    const mean = this.#sum / this.#count;
    const rate = this.#count / Math.max(1, now - this.#roundStart);
    this.#count = 0;
    this.#sum = 0;
    // The best round ever, not a recent window: with a window the baseline creeps up with the queue it measures.
    // If the provider really slows down for good, the limit falls with it: slower, but never a flood of 429s.
    const best = (this.#best = Math.min(this.#best, mean));
    const before = this.limit;
    if (mean > best * COLLAPSE) {
      this.#fastStart = false;
      this.limit = Math.max(1, Math.floor(this.limit * 0.8));
    } else if (mean <= best * HOLDS) {
      // A raise that brought no more answers per second is a plateau (a local bottleneck): stop the fast start.
      if (this.#fastStart && this.#lastRate > 0 && rate < this.#lastRate * 1.1) this.#fastStart = false;
      this.limit = Math.min(this.max, this.#fastStart ? Math.max(this.limit + 1, Math.floor(this.limit * 1.5)) : this.limit + 1);
    }
    this.#lastRate = rate;
    return this.limit === before ? undefined : this.limit;
  }

  /** After a 429: FlowControl halves the limit; growth is additive from then on. */
  throttled(limit: number): void {
    this.#fastStart = false;
    this.limit = limit;
    this.#count = 0;
    this.#sum = 0;
  }
}
