import { describe, expect, it } from 'vitest';
import { AutoConcurrency } from '../../../src/core/send/openrouter/auto-concurrency.js';

/**
 * A provider that answers in `base` ms up to K requests in flight, queues beyond (latency grows with the
 * load, so throughput stays at K/base) and refuses beyond 2K. Virtual time: one event per answer.
 */
function simulate(K: number, max: number, answers = 20_000) {
  const base = 250;
  const auto = new AutoConcurrency({ initial: 4, max });
  let now = 0;
  let peak = 0;
  let done = 0;
  let tail = 0;
  let tailStart = 0;
  while (done < answers) {
    const inFlight = auto.limit;
    peak = Math.max(peak, inFlight);
    const latency = base * Math.max(1, inFlight / K);
    // With `inFlight` requests each taking `latency`, answers arrive every latency/inFlight ms.
    now += latency / inFlight;
    auto.sample(latency, now);
    done++;
    if (done === answers / 2) tailStart = now;
    if (done > answers / 2) tail++;
  }
  return { peak, limit: auto.limit, rate: (tail / (now - tailStart)) * 1000, best: (K / base) * 1000 };
}

describe('-c auto', () => {
  it.each([8, 32, 128])('K = %i: settles at the provider\'s capacity, ≥ 0.9 of its throughput, never reaching the refusal level 2K', (K) => {
    const r = simulate(K, 256);
    expect(r.peak).toBeLessThanOrEqual(2 * K);
    expect(r.limit).toBeGreaterThanOrEqual(Math.floor(0.9 * K));
    expect(r.rate).toBeGreaterThanOrEqual(0.9 * r.best);
  });

  it('never above --max-concurrency', () => {
    expect(simulate(128, 20).peak).toBeLessThanOrEqual(20);
  });

  it('a 429 halves the limit and growth is additive after it', () => {
    const auto = new AutoConcurrency({ initial: 16, max: 64 });
    auto.throttled(8);
    let now = 0;
    for (let i = 0; i < 8; i++) auto.sample(250, (now += 31));
    expect(auto.limit).toBe(9);
  });
});
