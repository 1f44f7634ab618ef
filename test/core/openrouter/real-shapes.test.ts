/**
 * Answers recorded from the live service (public projects' VCR cassettes, bodies pasted in public issue threads),
 * one file per shape in test/fixtures/openrouter/, each citing its source. The fake server sends each one as
 * recorded, through HTTP, to the real client: what a user would see is asserted against the fixture's `expect`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../../../src/core/send/openrouter/api-error.js';
import { OpenRouterClient } from '../../../src/core/send/openrouter/client.js';
import { fixtureReply, startFakeOpenRouter, type FakeServer } from '../../helpers/fake-openrouter.js';

interface Fixture {
  source: string;
  shape: string;
  request_model: string | null;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  expect: {
    ok: boolean;
    kind?: string;
    action?: string;
    stopReason?: string;
    retryAfterMs?: number;
    message_contains?: string[];
    model?: string;
    cost_usd?: number | null;
    openrouter_cost_usd?: number;
    upstream_cost_usd?: number;
    is_byok?: boolean;
    prompt_tokens?: number;
    completion_tokens?: number;
    reasoning_tokens?: number;
  };
}

const DIR = fileURLToPath(new URL('../../fixtures/openrouter/', import.meta.url));
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((file) => [file, JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as Fixture] as const);
const KEY = `sk-or-v1-${'c3'.repeat(32)}`;

let server: FakeServer;
let client: OpenRouterClient;
let current: Fixture | undefined;

beforeAll(async () => {
  server = await startFakeOpenRouter({ handler: () => (current ? fixtureReply(current) : undefined) });
  client = new OpenRouterClient({ apiKey: KEY, baseURL: server.url, timeoutMs: 5000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('every fixture cites a real source', () => {
  test.each(FIXTURES)('%s', (_file, fx) => {
    expect(fx.source).toMatch(/github\.com|@[0-9a-f]{7}|https:\/\//);
    expect(fx.shape.length).toBeGreaterThan(10);
  });
  test('the set covers the shapes the issue names', () => {
    const names = FIXTURES.map(([f]) => f).join(' ');
    for (const s of ['byok', 'key-limit', 'region', 'no-allowed-providers', 'body-only-retry-after', 'error-only', 'reasoning']) expect(names).toContain(s);
  });
});

describe('recorded answers through the real client', () => {
  test.each(FIXTURES)('%s', async (_file, fx) => {
    current = fx;
    const model = fx.request_model ?? 'fake/model';
    const outcome = await client
      .chatCompletion({ model, messages: [{ role: 'user', content: 'Describe the photo.' }], max_tokens: 512 })
      .then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }));
    const want = fx.expect;
    expect(outcome.ok).toBe(want.ok);
    const usage = outcome.ok ? outcome.r.usage : (outcome.e as ApiError).usage;
    if (outcome.ok) {
      // A recorded success is a caption, never an error text.
      expect(outcome.r.content.trim()).not.toBe('');
      if (want.model) expect(outcome.r.model).toBe(want.model);
    } else {
      const e = outcome.e as ApiError;
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toMatchObject({
        ...(want.kind ? { kind: want.kind } : {}), ...(want.action ? { action: want.action } : {}),
        ...(want.stopReason ? { stopReason: want.stopReason } : {}), ...(want.retryAfterMs !== undefined ? { retryAfterMs: want.retryAfterMs } : {}),
      });
      expect(e.message).not.toMatch(/\n/);
      for (const s of want.message_contains ?? []) expect(e.message).toContain(s);
    }
    for (const k of ['cost_usd', 'openrouter_cost_usd', 'upstream_cost_usd', 'is_byok', 'prompt_tokens', 'completion_tokens', 'reasoning_tokens'] as const) {
      const v = want[k];
      if (typeof v === 'number') expect(usage?.[k]).toBeCloseTo(v, 12);
      else if (v !== undefined) expect(usage?.[k]).toEqual(v);
    }
  });
});
