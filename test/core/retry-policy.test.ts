import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY_POLICY, retryDelay, retryPolicy, shrunkEdge } from '../../src/core/send/retry-policy.js';
import { MAX_WAITS } from '../../src/core/send/openrouter/sender.js';
import { DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_MS } from '../../src/core/run/reconcile.js';

describe('RetryPolicy', () => {
  test('the defaults are the rules the sender, the send step and reconcile use', () => {
    expect(DEFAULT_RETRY_POLICY).toMatchObject({
      retries: 5, backoff: { baseMs: 1000, capMs: 60_000 }, maxWaits: 20, minUsefulTokens: 64,
      imageRefusal: { tries: 1, edgeFactor: 0.5, minEdge: 512, maxQuality: 70 }, reaskInvalidOutput: 1, reconcile: { retries: 3, delayMs: 750 },
    });
    expect([MAX_WAITS, DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_MS]).toEqual([20, 3, 750]);
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
  });

  test.each([
    // [server hint, retry, random, policy backoff, expected delay]
    [2500, 1, 0.5, undefined, 2500],
    [null, 1, 0.5, undefined, 500],
    [null, 3, 0.99, undefined, 3960],
    [null, 10, 0.5, undefined, 30_000],
    [null, 3, 0.5, { baseMs: 100, capMs: 300 }, 150],
  ] as const)('hint %s, retry %i, random %s → %s ms', (hint, retry, random, backoff, expected) => {
    const policy = backoff ? retryPolicy({ backoff }) : DEFAULT_RETRY_POLICY;
    expect(retryDelay(policy, { retryAfterMs: hint }, retry, () => random)).toBe(expected);
  });

  test.each([
    [{ width: 2048, height: 1365 }, 1024],
    [{ width: 800, height: 600 }, 512],
    [{ width: 300, height: 200 }, 512],
  ])('image refusal: %o is sent again at %i px', (size, edge) => {
    expect(shrunkEdge(DEFAULT_RETRY_POLICY, size)).toBe(edge);
  });

  test('invalid rules are refused in one line', () => {
    expect(() => retryPolicy({ retries: -1 })).toThrow('Expected `retries` to be a non-negative integer.');
    expect(() => retryPolicy({ imageRefusal: { tries: 1, edgeFactor: 1.5, minEdge: 512, maxQuality: 70 } })).toThrow(/edgeFactor/);
    expect(retryPolicy({ reaskInvalidOutput: 0 }).reaskInvalidOutput).toBe(0);
  });
});

describe('the policy drives the batch', () => {
  test('imageRefusal.tries 0: a refused image is not sent again; the default sends it once more', async () => {
    const { startFakeOpenRouter, errorReplies } = await import('../helpers/fake-openrouter.js');
    const { makePhotoFolder, tempDir } = await import('../helpers/images.js');
    const { runBatch } = await import('../../src/core/session/run-batch.js');
    const { scanInputs } = await import('../../src/core/source/scan.js');
    const { OpenRouterClient } = await import('../../src/core/send/openrouter/client.js');
    const server = await startFakeOpenRouter({ handler: () => errorReplies.imageError('invalid_image', 400) });
    try {
      const client = new OpenRouterClient({ apiKey: 'sk-or-v1-test', baseURL: server.url, timeoutMs: 5_000 });
      const photos = await scanInputs([await makePhotoFolder(1)]);
      const base = { photos, client, model: 'm/x', prompt: 'Caption', maxTokens: 64, concurrency: 1, retries: 0, quality: 80, maxEdge: 256, contactSheet: false };
      const never = await runBatch({ ...base, outDir: await tempDir(), retryPolicy: retryPolicy({ imageRefusal: { ...DEFAULT_RETRY_POLICY.imageRefusal, tries: 0 } }) });
      expect([never.records[0]!.status, server.chatRequests().length]).toEqual(['failed', 1]);
      server.reset();
      const once = await runBatch({ ...base, outDir: await tempDir() });
      expect([once.records[0]!.status, server.chatRequests().length]).toEqual(['failed', 2]);
    } finally {
      await server.close();
    }
  });
});
