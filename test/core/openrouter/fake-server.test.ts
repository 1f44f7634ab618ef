import { afterEach, describe, expect, test } from 'vitest';
import { request } from 'undici';
import { startFakeOpenRouter, type FakeServer } from '../../helpers/fake-openrouter.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(path: string, body: unknown = { model: 'a/b', messages: [], max_tokens: 10 }) {
  const res = await request(`${server!.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as any };
}
async function get(path: string) {
  const res = await request(`${server!.url}${path}`);
  return { status: res.statusCode, json: (await res.body.json()) as any };
}

describe('fake OpenRouter', () => {
  test('rpmLimit answers 429 with X-RateLimit-* (header and metadata) and Retry-After', async () => {
    server = await startFakeOpenRouter({ rpmLimit: 2 });
    expect((await post('/chat/completions')).status).toBe(200);
    expect((await post('/chat/completions')).status).toBe(200);
    const third = await post('/chat/completions');
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    const reset = Number(third.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(Date.now());
    expect(third.json.error.metadata.headers['X-RateLimit-Reset']).toBe(String(reset));
  });

  test('rateLimitRetryAfter: false leaves out Retry-After', async () => {
    server = await startFakeOpenRouter({ rpmLimit: 1, rateLimitRetryAfter: false });
    await post('/chat/completions');
    const r = await post('/chat/completions');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBeUndefined();
  });

  test('random faults at a rate', async () => {
    server = await startFakeOpenRouter({ faultRate: 1, faults: ['503'] });
    const r = await post('/chat/completions');
    expect(r.status).toBe(503);
    expect(r.json.error).toMatchObject({ code: 503, metadata: { error_type: 'temporarily_unavailable' } });
    expect(server.billed).toHaveLength(0);
  });

  test('close() ends hanging requests and in-flight tracking settles', async () => {
    server = await startFakeOpenRouter({ handler: () => ({ hang: true }) });
    const pending = post('/chat/completions').catch((e: unknown) => e);
    while (server.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    expect(server.maxInFlight).toBe(1);
    await server.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(server.inFlight).toBe(0);
  });

  test('/key, /models, /generation and unknown paths', async () => {
    server = await startFakeOpenRouter({ key: (n) => ({ body: { data: { limit: 1, limit_remaining: n } } }), models: [{ id: 'x/y' }], cost: () => 0.5 });
    expect((await get('/key')).json.data.limit_remaining).toBe(1);
    expect((await get('/key')).json.data.limit_remaining).toBe(2);
    expect((await get('/models')).json).toEqual({ data: [{ id: 'x/y' }] });
    const chat = await post('/chat/completions', { models: ['p/q'], messages: [], max_tokens: 5 });
    expect(chat.json.model).toBe('p/q');
    expect(chat.json.usage).toMatchObject({ completion_tokens: 5, cost: 0.5 });
    expect((await get(`/generation?id=${chat.json.id}`)).json.data).toMatchObject({ total_cost: 0.5, model: 'p/q' });
    expect((await get('/generation?id=nope')).status).toBe(404);
    expect((await get('/nothing')).status).toBe(404);
    expect(server.requests.map((r) => r.n)).toEqual([1, 2, 1, 1, 1, 2, 1]);
    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(server.billed).toHaveLength(0);
  });
});
