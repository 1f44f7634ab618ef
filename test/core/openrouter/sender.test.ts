import { afterEach, describe, expect, test } from 'vitest';
import { ApiError } from '../../../src/core/send/openrouter/api-error.js';
import { OpenRouterClient, type ChatBody, type ChatSuccess } from '../../../src/core/send/openrouter/client.js';
import { waitForCredits } from '../../../src/core/send/openrouter/credits.js';
import { affordableMaxTokens, createSender, type SenderEvent, type SenderOptions } from '../../../src/core/send/openrouter/sender.js';
import { errorReplies, faultReplies, startFakeOpenRouter, type FakeOptions, type FakeServer } from '../../helpers/fake-openrouter.js';

const BODY: ChatBody = { model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'caption' }], max_tokens: 8000 };

let server: FakeServer | undefined;
let client: OpenRouterClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setup(opts: FakeOptions = {}) {
  server = await startFakeOpenRouter(opts);
  client = new OpenRouterClient({ apiKey: 'sk-or-v1-test', baseURL: server.url, timeoutMs: 5000 });
  return { server, client };
}

/** Virtual time: sleeping advances the clock instantly, so waits of minutes take no real time. */
function fakeTime(start = Date.UTC(2026, 7, 22)) {
  let t = start;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      // Time moves when the sleep ends, after whatever was already runnable.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw signal.reason;
      t += ms;
    },
    slept,
  };
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

function sender(extra: Partial<SenderOptions> & Pick<SenderOptions, 'client'>, events: SenderEvent[] = []) {
  return createSender({ concurrency: 4, retries: 5, random: () => 0.5, onEvent: (e) => events.push(e), ...extra });
}

describe('rate limits', () => {
  test('a 429 with Retry-After closes a global gate: no request reaches the server during the wait', async () => {
    const { server, client } = await setup({ handler: (req) => (req.n === 1 ? faultReplies['429'](req) : { delayMs: 50 }) });
    const events: SenderEvent[] = [];
    const s = createSender({ client, concurrency: 3, retries: 5, onEvent: (e) => events.push(e) });
    const results = await Promise.all(Array.from({ length: 6 }, () => s.send(BODY)));
    expect(results.map((r) => r.result.content)).toHaveLength(6);
    expect(results.filter((r) => r.attempts === 2)).toHaveLength(1);
    const reqs = server.chatRequests();
    expect(reqs).toHaveLength(7);
    const rejectedAt = reqs.find((r) => r.n === 1)!.at;
    // The first three were already on the wire; everything after them waited out Retry-After (1 s).
    for (const r of reqs.filter((x) => x.n > 3)) expect(r.at).toBeGreaterThanOrEqual(rejectedAt + 990);
    expect(events).toContainEqual(expect.objectContaining({ type: 'gate', reason: 'rate_limited' }));
    expect(events).toContainEqual({ type: 'retry', kind: 'rate_limited', status: 429, delayMs: 1000, attempt: 1 });
  });

  test('AIMD: 429s from one burst halve the limit once, successes grow it back', async () => {
    const { client } = await setup({ handler: (req) => (req.n <= 4 ? faultReplies['429'](req) : undefined) });
    const events: SenderEvent[] = [];
    const s = sender({ client, concurrency: 8, ...fakeTime() }, events);
    await Promise.all(Array.from({ length: 40 }, () => s.send(BODY)));
    const limits = events.flatMap((e) => (e.type === 'concurrency' ? [e.limit] : []));
    expect(limits[0]).toBe(4);
    expect(limits).not.toContain(2);
    expect(limits.slice(1)).toEqual([5, 6, 7, 8].slice(0, limits.length - 1));
    expect(s.limit).toBeGreaterThan(4);
  });

  test('in flight never exceeds concurrency under a burst with faults', async () => {
    const { server, client } = await setup({
      latencyMs: 10, jitter: 0.5, faultRate: 0.3, faults: ['429', '500', '502', 'empty', '200-error'], random: seeded(7),
    });
    const s = sender({ client, concurrency: 4, retries: 8, ...fakeTime() });
    let maxSeen = 0;
    const settled = await Promise.allSettled(
      Array.from({ length: 60 }, async () => {
        const r = await s.send(BODY);
        maxSeen = Math.max(maxSeen, s.inFlight);
        return r;
      }),
    );
    expect(settled.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(50);
    expect(server.maxInFlight).toBeLessThanOrEqual(4);
    expect(server.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(maxSeen).toBeLessThanOrEqual(4);
  });

  test('rpm spaces starts with a token bucket', async () => {
    const time = fakeTime();
    const starts: number[] = [];
    const fake = {
      chatCompletion: async (): Promise<ChatSuccess> => {
        starts.push(time.now());
        return { id: 'gen-x', model: 'm', content: 'ok', finishReason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 1, cost_usd: 0 }, images: [], raw: {} };
      },
    };
    const s = sender({ client: fake as unknown as OpenRouterClient, concurrency: 5, rpm: 60, ...time });
    await Promise.all(Array.from({ length: 5 }, () => s.send(BODY)));
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1000);
  });

  test('a daily free-model quota stops with resetAt and is not retried', async () => {
    const resetAt = Date.now() + 5 * 3600_000;
    const { server, client } = await setup({ handler: () => errorReplies.dailyQuota(resetAt) });
    const e = await rejection(sender({ client, ...fakeTime() }).send(BODY));
    expect(e).toMatchObject({ kind: 'rate_limited', action: 'stop_run', stopReason: 'daily_quota', resetAt, attempts: 1 });
    expect(e.message).toContain(new Date(resetAt).toISOString());
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('retries', () => {
  test('exhausted retries throw the last ApiError with attempts = retries + 1', async () => {
    const { server, client } = await setup({ handler: (req) => faultReplies['500'](req) });
    const events: SenderEvent[] = [];
    const time = fakeTime();
    const e = await rejection(sender({ client, retries: 2, ...time }, events).send(BODY));
    expect(e).toMatchObject({ kind: 'server', status: 500, attempts: 3 });
    expect(server.chatRequests()).toHaveLength(3);
    // Full jitter with random 0.5: half of 1 s, then half of 2 s.
    expect(events.filter((x) => x.type === 'retry')).toEqual([
      { type: 'retry', kind: 'server', status: 500, delayMs: 500, attempt: 1 },
      { type: 'retry', kind: 'server', status: 500, delayMs: 1000, attempt: 2 },
    ]);
  });

  test('empty answers and 200-with-error bodies are retried, then succeed', async () => {
    const { client } = await setup({
      handler: (req) => (req.n === 1 ? faultReplies.empty(req) : req.n === 2 ? faultReplies['200-choice-error'](req) : undefined),
    });
    const r = await sender({ client, ...fakeTime() }).send(BODY);
    expect(r.attempts).toBe(3);
    expect(r.result.content).toMatch(/caption/);
  });

  test('a moderation block fails the photo without a retry', async () => {
    const { server, client } = await setup({ handler: () => errorReplies.moderation(['violence']) });
    const e = await rejection(sender({ client, ...fakeTime() }).send(BODY));
    expect(e).toMatchObject({ kind: 'moderation', action: 'fail_photo', reasons: ['violence'], attempts: 1 });
    expect(server.chatRequests()).toHaveLength(1);
  });

  test('a caller abort during backoff is an interruption', async () => {
    const { client } = await setup({ handler: (req) => faultReplies['503'](req) });
    const ctl = new AbortController();
    const s = createSender({ client, concurrency: 1, retries: 5, random: () => 1 });
    const p = s.send(BODY, { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 100);
    expect(await rejection(p)).toMatchObject({ kind: 'interrupted', attempts: 1 });
  });

  test('stop(): waiting sends reject as interrupted, the one in flight finishes', async () => {
    const { server, client } = await setup({ handler: () => ({ delayMs: 200 }) });
    const s = createSender({ client, concurrency: 1, retries: 5 });
    const first = s.send(BODY);
    const waiting = [s.send(BODY), s.send(BODY)].map(rejection);
    await new Promise((r) => setTimeout(r, 50));
    s.stop();
    for (const e of await Promise.all(waiting)) expect(e).toMatchObject({ kind: 'interrupted', action: 'stop_run', attempts: 0 });
    expect((await first).attempts).toBe(1);
    expect(server.chatRequests()).toHaveLength(1);
    expect(await rejection(s.send(BODY))).toMatchObject({ kind: 'interrupted' });
  });
});

describe('credits', () => {
  test('"can only afford N": retried once with max_tokens just under N', async () => {
    const { server, client } = await setup({ handler: (req) => (req.n === 1 ? errorReplies.affordable(3395, 8000) : undefined) });
    const r = await sender({ client, ...fakeTime() }).send(BODY);
    const second = server.chatRequests()[1]!.body.max_tokens as number;
    expect(second).toBeLessThan(3395);
    expect(second).toBeGreaterThanOrEqual(64);
    expect(r).toMatchObject({ attempts: 2, maxTokensUsed: second });
    expect(second).toBe(affordableMaxTokens(3395));
  });

  test('"can only afford N" below minUsefulTokens, or twice, stops the run', async () => {
    const { server, client } = await setup({ handler: (req) => errorReplies.affordable(req.n === 1 ? 3000 : 40) });
    const e = await rejection(sender({ client, ...fakeTime() }).send(BODY));
    expect(e).toMatchObject({ kind: 'out_of_credits', action: 'stop_run', stopReason: 'out_of_credits', affordableTokens: 40, attempts: 2 });
    expect(server.chatRequests()).toHaveLength(2);
  });

  test('out of credits stops the run with where to add credits', async () => {
    const { server, client } = await setup({ handler: (req) => faultReplies['402-credits'](req) });
    const e = await rejection(sender({ client, ...fakeTime() }).send(BODY));
    expect(e).toMatchObject({ kind: 'out_of_credits', action: 'stop_run', stopReason: 'out_of_credits', attempts: 1 });
    expect(e.message).toContain('https://openrouter.ai/settings/credits');
    expect(server.chatRequests()).toHaveLength(1);
  });

  test('an in-flight-budget 402 waits Retry-After, halves concurrency and does not use up retries', async () => {
    const { client } = await setup({ handler: (req) => (req.n === 1 ? faultReplies['402-inflight'](req) : undefined) });
    const events: SenderEvent[] = [];
    const r = await sender({ client, retries: 0, ...fakeTime() }, events).send(BODY);
    expect(r.attempts).toBe(2);
    expect(events).toContainEqual({ type: 'concurrency', limit: 2 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'gate', reason: 'in_flight_budget' }));
  });

  test('waitForCredits: the run pauses, polls /key and resumes after a top-up', async () => {
    const { server, client } = await setup({
      handler: (req) => (req.n === 1 ? errorReplies.keyLimit() : undefined),
      key: (n) => ({ body: { data: { limit: 5, limit_remaining: n >= 2 ? 3 : 0 } } }),
    });
    const events: SenderEvent[] = [];
    const s = sender(
      { client, concurrency: 1, waitForCredits: (_err, signal) => waitForCredits({ client: client, intervalMs: 20, ...(signal ? { signal } : {}) }) },
      events,
    );
    const [a, b] = await Promise.all([s.send(BODY), s.send(BODY)]);
    expect(a.attempts).toBe(2);
    expect(b.attempts).toBe(1);
    expect(events.filter((e) => e.type === 'waiting_for_credits' || e.type === 'credits_back')).toEqual([
      { type: 'waiting_for_credits' },
      { type: 'credits_back' },
    ]);
    const keyPolls = server.requests.filter((r) => r.path === '/api/v1/key');
    expect(keyPolls).toHaveLength(2);
    for (const r of server.chatRequests().filter((x) => x.n > 1)) expect(r.at).toBeGreaterThanOrEqual(keyPolls[1]!.at);
  });

  test('waitForCredits giving up stops the run', async () => {
    const { client } = await setup({ handler: (req) => faultReplies['402-credits'](req) });
    const e = await rejection(sender({ client, waitForCredits: async () => false, ...fakeTime() }).send(BODY));
    expect(e).toMatchObject({ stopReason: 'out_of_credits', attempts: 1 });
  });

  test('stop() while waiting for credits interrupts the wait and the waiting sends', async () => {
    const { client } = await setup({ handler: (req) => faultReplies['402-credits'](req) });
    let pollSignal: AbortSignal | undefined;
    const s = sender({
      client,
      waitForCredits: (_err, signal) => {
        pollSignal = signal;
        return new Promise<boolean>(() => {});
      },
    });
    const p = rejection(s.send(BODY));
    while (!pollSignal) await new Promise((r) => setTimeout(r, 5));
    s.stop();
    expect(await p).toMatchObject({ kind: 'interrupted', attempts: 1 });
    expect(pollSignal.aborted).toBe(true);
  });

  test('when every waiting caller aborts, the credit poll is cancelled', async () => {
    const { client } = await setup({ handler: (req) => faultReplies['402-credits'](req) });
    let pollSignal: AbortSignal | undefined;
    const s = sender({ client, waitForCredits: (_err, signal) => ((pollSignal = signal), new Promise<boolean>(() => {})) });
    const ctl = new AbortController();
    const p = rejection(s.send(BODY, { signal: ctl.signal }));
    while (!pollSignal) await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    expect(await p).toMatchObject({ kind: 'interrupted' });
    expect(pollSignal.aborted).toBe(true);
  });
});
