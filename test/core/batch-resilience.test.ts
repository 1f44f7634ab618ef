import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { faultReplies, startFakeOpenRouter, type FakeFault, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';
import { runBatch } from '../../src/core/session/run-batch.js';
import { scanInputs } from '../../src/core/source/scan.js';
import { OpenRouterClient } from '../../src/core/send/openrouter/client.js';

const STABLE_KINDS = [
  'rate_limited', 'out_of_credits', 'auth', 'moderation', 'bad_request', 'model_unavailable', 'timeout', 'network',
  'server', 'invalid_image', 'unreadable', 'too_large', 'empty_response',
];

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Real sleeps, 40× shorter: backoff and gates keep their shape, the suite stays fast. */
const fastSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms / 40);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('chaos: 500 photos, 30% of requests get a random fault', () => {
  it('records every photo once, ok or failed with a stable kind, bills exactly the answers, never exceeds concurrency', async () => {
    const faults: FakeFault[] = ['429', '429-reset-header', '402-inflight', '500', '502', '503', '504', '524', '529', '408', 'drop', 'non-json', '200-error', '200-choice-error', 'empty'];
    server = await startFakeOpenRouter({ latencyMs: 2, faultRate: 0.3, faults, random: seeded(42), cost: (r) => 0.00001 * (1 + (r.n % 7)) });
    const dir = await makePhotoFolder(500, { width: 32, height: 24 });
    const out = await tempDir();
    const client = new OpenRouterClient({ apiKey: 'sk-or-v1-test', baseURL: server.url, timeoutMs: 5_000 });
    const concurrency = 8;
    const result = await runBatch({
      photos: await scanInputs([dir]), outDir: out, client, model: 'google/gemini-2.5-flash', prompt: 'Caption',
      maxTokens: 64, concurrency, retries: 6, quality: 80, maxEdge: 512, sleep: fastSleep,
    });
    await client.close();

    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(lines).toHaveLength(500);
    expect(new Set(lines.map((l) => l.file)).size).toBe(500);
    for (const l of lines) {
      expect(['ok', 'failed']).toContain(l.status);
      if (l.status === 'failed') expect(STABLE_KINDS).toContain(l.error.kind);
      if (l.status === 'ok') expect(l.output).toMatch(/caption/i);
    }
    const billed = server.billed.reduce((a, b) => a + b.cost, 0);
    expect(result.report.cost_usd.billed).toBeCloseTo(billed, 10);
    expect(server.maxInFlight).toBeLessThanOrEqual(concurrency);
    // With 6 retries almost nothing should be lost to a 30% fault rate.
    expect(result.report.photos.ok).toBeGreaterThan(490);
  }, 120_000);
});

describe('rate limits and credits', () => {
  it('after a 429 with Retry-After: 2, no request reaches the server within those 2 s', async () => {
    let limitedAt = 0;
    server = await startFakeOpenRouter({
      latencyMs: 20,
      handler: (req) => {
        if (req.n === 3) {
          limitedAt = Date.now();
          return { ...faultReplies['429'](req), headers: { 'Retry-After': '2' } };
        }
        return undefined;
      },
    });
    const dir = await makePhotoFolder(8);
    const client = new OpenRouterClient({ apiKey: 'sk-or-v1-test', baseURL: server.url, timeoutMs: 5_000 });
    const result = await runBatch({
      photos: await scanInputs([dir]), outDir: await tempDir(), client, model: 'm/x', prompt: 'Caption',
      maxTokens: 64, concurrency: 4, retries: 3, quality: 80, maxEdge: 256,
    });
    await client.close();
    expect(result.report.photos.ok).toBe(8);
    // Requests 4 to 6 may have left the client before the 429 reached it (4 slots) and, on a loaded machine, arrive
    // late; any later request must wait at the closed gate, so none of them arrives within the 2 s.
    const during = server.chatRequests().filter((r) => r.at > limitedAt + 50 && r.at < limitedAt + 1950);
    expect(during.filter((r) => r.n > 3 + 3)).toHaveLength(0);
    expect(during.length).toBeLessThanOrEqual(3);
  }, 30_000);

  it('a 402 credit stop followed by a top-up resumes by itself under --wait-for-credits', async () => {
    let toppedUp = false;
    server = await startFakeOpenRouter({
      handler: (req) => (!toppedUp && req.n >= 4 ? faultReplies['402-credits'](req) : undefined),
      key: (n) => {
        if (n >= 3) toppedUp = true;
        return { body: { data: { label: 'sk-or-v1-abc...', limit: 10, limit_remaining: toppedUp ? 5 : 0, usage: 5 } } };
      },
    });
    const dir = await makePhotoFolder(10);
    const client = new OpenRouterClient({ apiKey: 'sk-or-v1-test', baseURL: server.url, timeoutMs: 5_000 });
    const events: string[] = [];
    const result = await runBatch({
      photos: await scanInputs([dir]), outDir: await tempDir(), client, model: 'm/x', prompt: 'Caption',
      maxTokens: 64, concurrency: 2, retries: 3, quality: 80, maxEdge: 256, waitForCreditsMs: 60_000, creditPollMs: 30,
      onEvent: (e) => e.type === 'sender' && events.push(e.event.type),
    });
    await client.close();
    expect(result.stopped).toBeUndefined();
    expect(result.report.photos.ok).toBe(10);
    expect(events).toContain('waiting_for_credits');
    expect(events).toContain('credits_back');
  }, 30_000);
});
