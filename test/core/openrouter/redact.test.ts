import { afterEach, describe, expect, test } from 'vitest';
import { ApiError } from '../../../src/core/send/openrouter/api-error.js';
import { OpenRouterClient } from '../../../src/core/send/openrouter/client.js';
import { redactKey, scrubSecrets } from '../../../src/core/send/openrouter/redact.js';
import { startFakeOpenRouter, type FakeServer } from '../../helpers/fake-openrouter.js';

const KEY = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;

describe('redactKey / scrubSecrets', () => {
  test('keeps at most a 12-character prefix', () => {
    expect(redactKey(KEY)).toBe('sk-or-v1-012…');
    expect(redactKey('short-key')).toBe('sho…');
    expect(redactKey(undefined)).toBe('');
  });

  test('replaces the key and anything shaped like an OpenRouter key', () => {
    const other = `sk-or-v1-${'f'.repeat(64)}`;
    const out = scrubSecrets(`a ${KEY} b my-custom-secret-key c ${other}`, 'my-custom-secret-key');
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(other);
    expect(out).not.toContain('my-custom-secret-key');
    expect(out).toContain('sk-or-v1-012…');
  });
});

describe('the key never reaches error messages', () => {
  let server: FakeServer | undefined;
  let client: OpenRouterClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  test.each([400, 401, 403, 500])('even when the server echoes it (HTTP %i)', async (status) => {
    server = await startFakeOpenRouter({
      handler: (req) => ({
        status,
        body: { error: { code: status, message: `Rejected header ${String(req.headers.authorization)}`, metadata: { error_type: 'x', reasons: [String(req.headers.authorization)] } } },
      }),
    });
    client = new OpenRouterClient({ apiKey: KEY, baseURL: server.url, timeoutMs: 5000 });
    const err = await client.chatCompletion({ model: 'm/x', messages: [], max_tokens: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.message).toContain('Rejected header Bearer');
    expect(e.message).not.toContain(KEY);
    expect(JSON.stringify(e.body)).not.toContain(KEY);
    expect(JSON.stringify(e.reasons ?? [])).not.toContain(KEY);
  });

  test('in a non-JSON echo too', async () => {
    server = await startFakeOpenRouter({ handler: (req) => ({ status: 200, rawBody: `hello ${String(req.headers.authorization)}` }) });
    client = new OpenRouterClient({ apiKey: KEY, baseURL: server.url, timeoutMs: 5000 });
    const e = (await client.chatCompletion({ model: 'm/x', messages: [], max_tokens: 10 }).catch((x: unknown) => x)) as ApiError;
    expect(e.kind).toBe('server');
    expect(e.message).not.toContain(KEY);
  });
});
