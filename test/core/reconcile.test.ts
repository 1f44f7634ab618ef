import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenRouterClient } from '../../src/core/send/openrouter/client.js';
import { reconcileCosts, summarizeReconcile, writeReconcileFile, RECONCILE_FILE } from '../../src/core/run/reconcile.js';
import type { ResultRecord } from '../../src/core/types.js';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + 'cd34'.repeat(16);

let server: FakeServer | undefined;
let client: OpenRouterClient;
afterEach(async () => {
  if (!server) return;
  await client.close();
  await server.close();
  server = undefined;
});

/** Real generations on the fake, so /generation answers with what it billed. */
async function generations(n: number): Promise<{ id: string; cost: number }[]> {
  const out: { id: string; cost: number }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await client.chatCompletion({ model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 });
    out.push({ id: res.id, cost: res.usage.cost_usd! });
  }
  return out;
}

const record = (file: string, generationId: string, cost: number | null, extra: Partial<ResultRecord> = {}): ResultRecord => ({
  file, path: `/photos/${file}`, status: 'ok', attempts: 1, generation_id: generationId, job: 'j', at: '2026-01-01T00:00:00.000Z',
  usage: { prompt_tokens: 300, completion_tokens: 20, cost_usd: cost }, ...extra,
});

describe('reconcileCosts', () => {
  it('matches, differs, retries brief 404s, and gives up on a generation that never appears', async () => {
    server = await startFakeOpenRouter({ validKey: KEY, cost: (req) => 0.0001 * req.n + 0.00000123 });
    client = new OpenRouterClient({ apiKey: KEY, baseURL: server.url, timeoutMs: 5000 });
    const [a, b, c, d] = await generations(4);
    // c's record 404s twice (asked under an id the fake has not billed yet), then answers.
    const calls = new Map<string, number>();
    let inFlight = 0;
    let maxInFlight = 0;
    const flaky = {
      async getGeneration(id: string, opts?: { signal?: AbortSignal }) {
        const n = (calls.get(id) ?? 0) + 1;
        calls.set(id, n);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await client.getGeneration(id === c!.id && n <= 2 ? 'gen-not-yet' : id, opts);
        } finally {
          inFlight--;
        }
      },
    };
    const sleeps: number[] = [];
    const records: ResultRecord[] = [
      record('a.jpg', a!.id, a!.cost),
      record('b.jpg', b!.id, b!.cost + 0.00002),
      record('c.jpg', c!.id, c!.cost),
      record('gone.jpg', 'gen-never-billed', 0.0001),
      record('d.jpg', d!.id, null),
      // Not checked: a copy of an earlier answer (no new generation), a failure, and an ok without an id.
      record('copy-of-a.jpg', a!.id, 0, { duplicate_of: 'a.jpg' }),
      { ...record('failed.jpg', 'gen-x', null), status: 'failed', error: { kind: 'server', http_status: 502, message: 'x' } },
      { ...record('noid.jpg', '', 0.1) },
    ];

    const report = await reconcileCosts({ client: flaky, records, concurrency: 2, sleep: async (ms) => void sleeps.push(ms), now: () => Date.UTC(2026, 0, 2) });

    expect(report).toMatchObject({ checked: 5, matched: 2, differing: 2, unavailable: 1, at: '2026-01-02T00:00:00.000Z' });
    const byFile = Object.fromEntries(report.entries.map((e) => [e.file, e]));
    expect(byFile['a.jpg']).toMatchObject({ status: 'matched', billed_cost_usd: a!.cost, attempts: 1 });
    expect(byFile['b.jpg']!.status).toBe('differs');
    expect(byFile['b.jpg']!.diff_usd).toBeCloseTo(-0.00002, 12);
    expect(byFile['c.jpg']).toMatchObject({ status: 'matched', attempts: 3 });
    expect(byFile['d.jpg']).toMatchObject({ status: 'differs', inline_cost_usd: null, billed_cost_usd: d!.cost, diff_usd: null });
    expect(byFile['gone.jpg']).toMatchObject({ status: 'unavailable', billed_cost_usd: null, attempts: 4 });
    expect(byFile['gone.jpg']!.error).toMatch(/not found|404/i);
    // Two waits for c, three for the one that never comes; each within the documented 0.5–1 s.
    expect(sleeps).toHaveLength(5);
    expect(sleeps.every((ms) => ms >= 500 && ms <= 1000)).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(calls.get(a!.id)).toBe(1);
    expect(report.billed_total_usd).toBeCloseTo(a!.cost + b!.cost + c!.cost + d!.cost, 10);
    expect(report.inline_total_usd).toBeCloseTo(a!.cost + b!.cost + 0.00002 + c!.cost, 10);
  });

  it('costs within 1e-9 of each other count as matched (float noise is not a billing difference)', async () => {
    const fake = { getGeneration: async () => ({ total_cost: 0.1 + 0.2 }) };
    const report = await reconcileCosts({ client: fake, records: [record('x.jpg', 'gen-1', 0.3), record('y.jpg', 'gen-2', 0.3 + 2e-9)] });
    expect(report.entries.map((e) => e.status)).toEqual(['matched', 'differs']);
  });

  it('does not retry errors that will not go away (e.g. 401)', async () => {
    server = await startFakeOpenRouter({ validKey: 'sk-or-v1-' + '00'.repeat(32) });
    client = new OpenRouterClient({ apiKey: KEY, baseURL: server.url, timeoutMs: 5000 });
    const sleeps: number[] = [];
    const report = await reconcileCosts({ client, records: [record('a.jpg', 'gen-1', 0.1)], sleep: async (ms) => void sleeps.push(ms) });
    expect(report).toMatchObject({ checked: 1, unavailable: 1 });
    expect(report.entries[0]!.attempts).toBe(1);
    expect(sleeps).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(KEY);
  });

  it('writes reconcile.json and a one-paragraph summary naming the files that differ', async () => {
    const fake = { getGeneration: async (id: string) => ({ total_cost: id === 'gen-2' ? 0.002 : 0.001 }) };
    const report = await reconcileCosts({ client: fake, records: [record('same.jpg', 'gen-1', 0.001), record('other.jpg', 'gen-2', 0.0015)] });
    const out = await tempDir('photobatch-reconcile-');
    const file = await writeReconcileFile(out, report);
    expect(file).toBe(path.join(out, RECONCILE_FILE));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
    const text = summarizeReconcile(report, file);
    expect(text).not.toContain('\n');
    expect(text).toMatch(/checked 2 answers .*1 matched, 1 differ, 0 unavailable/);
    expect(text).toMatch(/Inline costs \$0\.002500, billed \$0\.003000/);
    expect(text).toMatch(/other\.jpg \(\$0\.001500 vs \$0\.002000\)/);
    expect(text).not.toMatch(/same\.jpg/);
    expect(summarizeReconcile(await reconcileCosts({ client: fake, records: [] }), file)).toMatch(/no answers of this run/);
  });
});
