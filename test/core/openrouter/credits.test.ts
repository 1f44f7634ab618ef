import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../src/core/send/openrouter/api-error.js';
import { OpenRouterClient, type KeyInfo } from '../../../src/core/send/openrouter/client.js';
import { waitForCredits } from '../../../src/core/send/openrouter/credits.js';
import { startFakeOpenRouter } from '../../helpers/fake-openrouter.js';

function fakeTime() {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

/** A client whose /key answers come from a script, one per poll. */
function scripted(answers: (Partial<KeyInfo> | ApiError)[]) {
  let i = 0;
  const client = {
    polls: 0,
    async getKey(): Promise<KeyInfo> {
      client.polls += 1;
      const a = answers[Math.min(i++, answers.length - 1)]!;
      if (a instanceof ApiError) throw a;
      return { limit: null, limit_remaining: null, ...a };
    },
  };
  return client;
}

describe('waitForCredits', () => {
  test('a key with a limit: back when limit_remaining > 0', async () => {
    const time = fakeTime();
    const client = scripted([{ limit: 5, limit_remaining: 0 }, { limit: 5, limit_remaining: 0 }, { limit: 5, limit_remaining: 2 }]);
    expect(await waitForCredits({ client, intervalMs: 1000, ...time })).toBe(true);
    expect(client.polls).toBe(3);
    expect(time.slept).toEqual([1000, 1000, 1000]);
  });

  test('a key without a limit asks the probe', async () => {
    const time = fakeTime();
    let probes = 0;
    const probe = async () => ++probes >= 2;
    expect(await waitForCredits({ client: scripted([{}]), intervalMs: 10, probe, ...time })).toBe(true);
    expect(probes).toBe(2);
  });

  test('a key without a limit and no probe lets the caller try again after one interval', async () => {
    const time = fakeTime();
    expect(await waitForCredits({ client: scripted([{}]), intervalMs: 10, ...time })).toBe(true);
    expect(time.slept).toEqual([10]);
  });

  test('gives up after maxWaitMs', async () => {
    const time = fakeTime();
    const client = scripted([{ limit: 5, limit_remaining: 0 }]);
    expect(await waitForCredits({ client, intervalMs: 30_000, maxWaitMs: 100_000, ...time })).toBe(false);
    expect(time.slept).toEqual([30_000, 30_000, 30_000, 10_000]);
    expect(client.polls).toBe(4);
  });

  test('a network error while polling is not fatal', async () => {
    const time = fakeTime();
    const net = new ApiError('Could not reach OpenRouter', { status: null, kind: 'network', action: 'retry' });
    const client = scripted([net, { limit: 1, limit_remaining: 1 }]);
    expect(await waitForCredits({ client, intervalMs: 5, ...time })).toBe(true);
  });

  test('a rejected key while polling throws', async () => {
    const server = await startFakeOpenRouter({ validKey: 'sk-or-v1-right' });
    const client = new OpenRouterClient({ apiKey: 'sk-or-v1-wrong', baseURL: server.url, timeoutMs: 2000 });
    try {
      const e = await waitForCredits({ client, intervalMs: 5 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toMatchObject({ kind: 'auth', stopReason: 'auth' });
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('an abort ends the wait as an interruption', async () => {
    const ctl = new AbortController();
    const p = waitForCredits({ client: scripted([{ limit: 5, limit_remaining: 0 }]), intervalMs: 60_000, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 20);
    expect(await p.catch((x: unknown) => x)).toMatchObject({ kind: 'interrupted' });
  });
});
