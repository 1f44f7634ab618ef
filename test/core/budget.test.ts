import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/core/pricing/budget.js';

describe('Budget', () => {
  it('never lets spend plus reservations pass the cap, not even by a fraction of a cent', () => {
    const b = new Budget(0.01);
    const held = [];
    for (let i = 0; i < 100; i++) {
      const r = b.tryReserve(0.0011);
      if (r) held.push(r);
    }
    expect(held).toHaveLength(9); // 9 × 0.0011 = 0.0099; a 10th would be 0.011
    for (const r of held) b.settle(r, 0.001);
    expect(b.spentUsd).toBeCloseTo(0.009, 12);
    expect(b.tryReserve(0.0011)).toBeNull();
    expect(b.tryReserve(0.001)).not.toBeNull();
  });

  it('counts an unreported cost as the worst case, and releases failed requests', () => {
    const b = new Budget(1);
    const r1 = b.tryReserve(0.4)!;
    b.settle(r1, null);
    expect(b.spentUsd).toBeCloseTo(0.4, 12);
    const r2 = b.tryReserve(0.6)!;
    b.release(r2);
    expect(b.remainingUsd).toBeCloseTo(0.6, 12);
  });
});

describe('Budget.reserve', () => {
  it('waits for requests in flight to settle before saying the cap is reached', async () => {
    const b = new Budget(0.01);
    const first = (await b.reserve(0.006))!;
    let second: unknown = 'pending';
    const pending = b.reserve(0.006).then((r) => (second = r));
    await Promise.resolve();
    expect(second).toBe('pending');
    b.settle(first, 0.001); // the real bill is far below the worst case: the second now fits
    await pending;
    expect(second).not.toBeNull();
  });

  it('says the cap is reached when nothing in flight could free room', async () => {
    const b = new Budget(0.01);
    const first = (await b.reserve(0.006))!;
    const pending = b.reserve(0.006);
    b.settle(first, 0.006);
    expect(await pending).toBeNull();
  });
});
