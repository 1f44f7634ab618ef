import { describe, expect, test } from 'vitest';
import { FlowControl, type FlowEvent } from '../../../src/core/send/openrouter/flow-control.js';

function fakeTime() {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw signal.reason;
      t += ms;
    },
  };
}

describe('FlowControl', () => {
  test('serves waiters first come, first served, never above the limit', async () => {
    const flow = new FlowControl({ concurrency: 2, ...fakeTime() });
    const order: number[] = [];
    const tickets = await Promise.all([flow.acquire(), flow.acquire()]);
    const later = [1, 2, 3].map((i) => flow.acquire().then((t) => (order.push(i), t)));
    expect(flow.inFlight).toBe(2);
    flow.release(tickets[0]!, 'success');
    flow.release(tickets[1]!, 'success');
    const t1 = await later[0]!;
    await later[1]!;
    expect(order).toEqual([1, 2]);
    expect(flow.inFlight).toBe(2);
    flow.release(t1, 'success');
    await later[2]!;
    expect(order).toEqual([1, 2, 3]);
  });

  test('a closed gate holds every start until it reopens, and only extends', async () => {
    const time = fakeTime();
    const events: FlowEvent[] = [];
    const flow = new FlowControl({ concurrency: 4, ...time, onEvent: (e) => events.push(e) });
    const start = time.now();
    flow.closeGate(5000, 'rate_limited');
    flow.closeGate(1000, 'rate_limited');
    await flow.acquire();
    expect(time.now() - start).toBe(5000);
    expect(events).toEqual([{ type: 'gate', untilMs: start + 5000, reason: 'rate_limited' }]);
  });

  test('throttle halves once per epoch, down to 1', () => {
    const flow = new FlowControl({ concurrency: 8, ...fakeTime() });
    const old = { epoch: 0 };
    expect(flow.throttle(old)).toBe(true);
    expect(flow.throttle(old)).toBe(false);
    expect(flow.limit).toBe(4);
    expect(flow.throttle({ epoch: 1 })).toBe(true);
    expect(flow.throttle({ epoch: 2 })).toBe(true);
    expect(flow.throttle({ epoch: 3 })).toBe(false);
    expect(flow.limit).toBe(1);
  });

  test('pause holds starts until resume; stop rejects waiters', async () => {
    const flow = new FlowControl({ concurrency: 1, ...fakeTime() });
    flow.pause();
    let got = false;
    const p = flow.acquire().then(() => (got = true));
    await new Promise((r) => setImmediate(r));
    expect(got).toBe(false);
    flow.resume();
    await p;
    const waiting = flow.acquire();
    flow.stop();
    await expect(waiting).rejects.toMatchObject({ kind: 'interrupted', action: 'stop_run' });
    await expect(flow.acquire()).rejects.toMatchObject({ kind: 'interrupted' });
  });

  test('an aborted waiter leaves the queue', async () => {
    const flow = new FlowControl({ concurrency: 1, ...fakeTime() });
    const first = await flow.acquire();
    const ctl = new AbortController();
    const aborted = flow.acquire(ctl.signal);
    const next = flow.acquire();
    ctl.abort();
    await expect(aborted).rejects.toMatchObject({ kind: 'interrupted' });
    flow.release(first, 'success');
    await next;
    expect(flow.inFlight).toBe(1);
  });

  test('rpm never lets more than rpm starts into a rolling minute', async () => {
    const time = fakeTime();
    const flow = new FlowControl({ concurrency: 50, rpm: 120, ...time });
    const starts: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = await flow.acquire();
      starts.push(time.now());
      flow.release(t, 'success');
    }
    for (let i = 0; i < starts.length; i++) {
      const inWindow = starts.filter((s) => s >= starts[i]! && s < starts[i]! + 60_000).length;
      expect(inWindow).toBeLessThanOrEqual(120);
    }
  });

  test('aborting the last waiter cancels the gate timer, so it cannot keep the process alive', async () => {
    const signals: AbortSignal[] = [];
    const flow = new FlowControl({ concurrency: 1, sleep: (_ms, signal) => { signals.push(signal!); return new Promise(() => {}); } });
    flow.closeGate(60_000, 'rate_limited');
    const ctl = new AbortController();
    const p = flow.acquire(ctl.signal);
    expect(signals).toHaveLength(1);
    ctl.abort();
    await expect(p).rejects.toMatchObject({ kind: 'interrupted' });
    expect(signals[0]!.aborted).toBe(true);
  });
});
