import { afterEach, describe, expect, test } from 'vitest';
import { ApiError } from '../../../src/core/send/openrouter/api-error.js';
import { OpenRouterClient, type ChatBody } from '../../../src/core/send/openrouter/client.js';
import { faultReplies, startFakeOpenRouter, type FakeOptions, type FakeServer } from '../../helpers/fake-openrouter.js';

const KEY = `sk-or-v1-${'a1'.repeat(32)}`;
const BODY: ChatBody = { model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], max_tokens: 300 };

let server: FakeServer | undefined;
let client: OpenRouterClient | undefined;

async function setup(opts: FakeOptions = {}, timeoutMs = 5000, extra: { appUrl?: string; appTitle?: string } = {}) {
  server = await startFakeOpenRouter(opts);
  // A trailing slash must not double up in request paths.
  client = new OpenRouterClient({ apiKey: KEY, baseURL: `${server.url}/`, timeoutMs, ...extra });
  return { server, client };
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

describe('chatCompletion', () => {
  test('parses a success: text, model, usage and cost, id', async () => {
    const { client, server } = await setup({ cost: () => 0.00042, promptTokens: () => 1234, completionTokens: 56, content: () => 'A bride laughing' });
    const res = await client.chatCompletion(BODY);
    expect(res).toMatchObject({
      content: 'A bride laughing',
      model: 'google/gemini-2.5-flash',
      finishReason: 'stop',
      usage: { prompt_tokens: 1234, completion_tokens: 56, cost_usd: 0.00042 },
      images: [],
    });
    expect(res.id).toMatch(/^gen-/);
    expect(server.billed).toEqual([{ id: res.id, cost: 0.00042, model: 'google/gemini-2.5-flash' }]);
  });

  test('sends the documented headers and the JSON body', async () => {
    const { client, server } = await setup({}, 5000, { appUrl: 'https://example.test/app' });
    await client.chatCompletion(BODY);
    const [req] = server.chatRequests();
    expect(req!.path).toBe('/api/v1/chat/completions');
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.headers['http-referer']).toBe('https://example.test/app');
    expect(req!.headers['x-openrouter-title']).toBe('photobatch');
    expect(req!.headers['x-title']).toBe('photobatch');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual(BODY);
  });

  test('joins text parts, reports the answering model, null cost when absent, and image outputs', async () => {
    const { client } = await setup({
      handler: () => ({
        body: {
          id: 'gen-1', model: 'openai/gpt-4o',
          choices: [{ finish_reason: 'stop', message: { content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'world' }], images: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] } }],
          usage: { prompt_tokens: 1, completion_tokens: 2 },
        },
      }),
    });
    const res = await client.chatCompletion({ ...BODY, models: ['openai/gpt-4o'] });
    expect(res).toMatchObject({ content: 'Hello world', model: 'openai/gpt-4o', images: ['data:image/png;base64,AAAA'], usage: { cost_usd: null } });
  });

  test.each([
    ['200-error', { kind: 'server', action: 'retry', status: 502 }],
    ['200-choice-error', { kind: 'server', action: 'retry', status: 502 }],
    ['empty', { kind: 'empty_response', action: 'retry' }],
    ['non-json', { kind: 'server', action: 'retry', status: 200 }],
    ['drop', { kind: 'network', action: 'retry', status: null }],
    ['402-inflight', { kind: 'out_of_credits', action: 'wait', retryAfterMs: 1000 }],
    ['429-reset-header', { kind: 'rate_limited', action: 'retry' }],
  ] as const)('fault %s is a classified failure', async (fault, expected) => {
    const { client, server } = await setup({ handler: (req) => faultReplies[fault](req) });
    const e = await failure(client.chatCompletion(BODY));
    expect(e).toMatchObject(expected);
    expect(server.billed).toHaveLength(0);
  });

  test('a hanging server times out after timeoutMs', async () => {
    const { client } = await setup({ handler: () => ({ hang: true }) }, 300);
    const e = await failure(client.chatCompletion(BODY));
    expect(e).toMatchObject({ kind: 'timeout', action: 'retry', status: null });
  });

  test('a slow answer times out too', async () => {
    const { client } = await setup({ handler: () => ({ delayMs: 2000 }) }, 300);
    expect((await failure(client.chatCompletion(BODY))).kind).toBe('timeout');
  });

  test('a caller abort is an interruption', async () => {
    const { client } = await setup({ handler: () => ({ hang: true }) });
    const ctl = new AbortController();
    const p = client.chatCompletion(BODY, { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 50);
    expect(await failure(p)).toMatchObject({ kind: 'interrupted', action: 'stop_run' });
  });

  test('a refused connection is a network error', async () => {
    const dead = await startFakeOpenRouter();
    const url = dead.url;
    await dead.close();
    client = new OpenRouterClient({ apiKey: KEY, baseURL: url, timeoutMs: 2000 });
    expect(await failure(client.chatCompletion(BODY))).toMatchObject({ kind: 'network', action: 'retry' });
  });

  test('a wrong key is an auth stop', async () => {
    const { client } = await setup({ validKey: 'sk-or-v1-other' });
    const e = await failure(client.chatCompletion(BODY));
    expect(e).toMatchObject({ kind: 'auth', action: 'stop_run', stopReason: 'auth', status: 401 });
    expect(e.message).toContain('OPENROUTER_API_KEY');
  });
});

describe('account endpoints', () => {
  test('getKey returns the data object', async () => {
    const { client, server } = await setup({ key: { limit: 10, limit_remaining: 2.5, label: 'sk-or-v1-a1a...1a1' } });
    const info = await client.getKey();
    expect(info).toMatchObject({ limit: 10, limit_remaining: 2.5, label: 'sk-or-v1-a1a...1a1', is_free_tier: false });
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  test('getKey with an unlimited key', async () => {
    const { client } = await setup();
    expect(await client.getKey()).toMatchObject({ limit: null, limit_remaining: null });
  });

  test('getKey 401 is an auth error', async () => {
    const { client } = await setup({ validKey: 'nope' });
    expect((await failure(client.getKey())).kind).toBe('auth');
  });

  test('listModels asks for every output modality', async () => {
    const { client, server } = await setup({ models: [{ id: 'a/b' }] });
    expect(await client.listModels()).toEqual([{ id: 'a/b' }]);
    expect(server.requests.at(-1)!.path).toBe('/api/v1/models?output_modalities=all');
  });

  test('getGeneration returns the billed record', async () => {
    const { client } = await setup({ cost: () => 0.002 });
    const { id } = await client.chatCompletion(BODY);
    expect(await client.getGeneration(id)).toMatchObject({ id, total_cost: 0.002, model: BODY.model });
    expect((await failure(client.getGeneration('gen-unknown'))).status).toBe(404);
  });
});
