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

describe('fake OpenRouter speaks the real-world shapes', () => {
  test('billed answers without a caption are billed by the fake too; BYOK success carries the upstream cost', async () => {
    server = await startFakeOpenRouter({ faultRate: 1, faults: ['refusal'] });
    const refusal = await post('/chat/completions');
    expect(refusal.json.choices[0].message).toMatchObject({ content: null, refusal: expect.any(String) });
    expect(server.billed.map((b) => b.cost)).toEqual([0.0001]);
    await server.close();

    server = await startFakeOpenRouter({ faultRate: 1, faults: ['length-empty'] });
    const empty = await post('/chat/completions');
    expect(empty.json.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: '' } });
    expect(empty.json.usage.completion_tokens_details.reasoning_tokens).toBe(10);
    await server.close();

    server = await startFakeOpenRouter({ byok: true, cost: () => 0.0003 });
    const byok = await post('/chat/completions');
    expect(byok.json.usage).toMatchObject({ cost: 0, is_byok: true, cost_details: { upstream_inference_cost: 0.0003 } });
  });

  test.each([
    ['429-body-only', 429, (j: any) => expect(j.error.metadata).toMatchObject({ retry_after_seconds: 1, headers: { 'Retry-After': '1' } })],
    ['403-key-limit', 403, (j: any) => expect(j.error.message).toMatch(/^Key limit exceeded \(daily limit\)/)],
    ['403-region', 403, (j: any) => expect(j.error.metadata.raw.data).toContain('unsupported_country_region_territory')],
    ['404-no-allowed-providers', 404, (j: any) => expect(j.error.metadata.available_providers.length).toBeGreaterThan(0)],
  ] as const)('%s', async (fault, status, check) => {
    server = await startFakeOpenRouter({ faultRate: 1, faults: [fault] });
    const r = await post('/chat/completions');
    expect(r.status).toBe(status);
    check(r.json);
    expect(server.billed).toHaveLength(0);
  });
});
