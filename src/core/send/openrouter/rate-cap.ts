/** The requests-per-minute cap (--rpm) that the flow control consults before each start. */

const WINDOW_MS = 60_000;

/**
 * Token bucket (smooth pacing, small burst) plus a rolling-minute count, so that no 60 s window ever holds more
 * than `rpm` starts even right after an idle spell fills the bucket.
 */
export class RateCap {
  readonly #rate: number; // tokens per ms
  readonly #capacity: number;
  #tokens: number;
  #last: number;
  readonly #starts: number[] = [];
  constructor(readonly rpm: number, burst: number, now: number) {
    this.#rate = rpm / WINDOW_MS;
    this.#capacity = Math.max(1, burst);
    this.#tokens = this.#capacity;
    this.#last = now;
  }
  /** Takes a token and returns 0, or returns how many ms to wait before asking again. */
  take(now: number): number {
    this.#tokens = Math.min(this.#capacity, this.#tokens + Math.max(0, now - this.#last) * this.#rate);
    this.#last = Math.max(this.#last, now);
    while (this.#starts.length > 0 && this.#starts[0]! <= now - WINDOW_MS) this.#starts.shift();
    if (this.#starts.length >= this.rpm) return this.#starts[0]! + WINDOW_MS - now;
    if (this.#tokens < 1) return Math.max(1, Math.ceil((1 - this.#tokens) / this.#rate));
    this.#tokens -= 1;
    this.#starts.push(now);
    return 0;
  }
}
