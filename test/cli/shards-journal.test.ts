import { appendFile, cp, readFile, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, makePhotoFolder, tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + 'cd34'.repeat(16);
let server: FakeServer;
afterEach(async () => {
  await server?.close();
});
const env = (extra: Record<string, string> = {}) => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, ...extra });
const lines = async (dir: string) => jsonLines(await readFile(path.join(dir, 'results.jsonl'), 'utf8'));
const billedByServer = () => server.billed.reduce((a, b) => a + b.cost, 0);

describe('shards: each machine its share, one merged report', () => {
  it('3 shards (K/N and auto/N) answer every photo once; report, CSV and contact sheet of the 3 folders add up exactly', async () => {
    server = await startFakeOpenRouter({ cost: (req) => 0.0001 * (1 + (req.n % 5)) });
    const photos = await makePhotoFolder(24);
    const root = await tempDir('photobatch-shards-');
    const outs = [1, 2, 3].map((k) => path.join(root, `shard-${k}`));
    const runs = [
      await runCli(['run', photos, '-o', outs[0]!, '--shard', '1/3', '-q'], { env: env() }),
      await runCli(['run', photos, '-o', outs[1]!, '--shard', 'auto/3', '-q'], { env: env({ JOB_COMPLETION_INDEX: '1' }) }),
      await runCli(['run', photos, '-o', outs[2]!, '--shard', 'auto/3', '-q'], { env: env({ AWS_BATCH_JOB_ARRAY_INDEX: '2' }) }),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const files = (await Promise.all(outs.map(lines))).map((ls) => ls.map((l) => l.file));
    expect(files.flat().sort()).toEqual((await readdir(photos)).sort());
    expect(new Set(files.flat()).size).toBe(24);
    expect(files.every((f) => f.length > 0)).toBe(true);
    expect(server.chatRequests()).toHaveLength(24);

    const merged = await runCli(['report', ...outs, '--json', '--html', path.join(root, 'all.html'), '--csv', path.join(root, 'all.csv')]);
    expect(merged.code).toBe(0);
    const report = JSON.parse(merged.stdout);
    expect(report.photos).toMatchObject({ total: 24, ok: 24, failed: 0 });
    expect(report.cost_usd.billed).toBeCloseTo(billedByServer(), 10);
    const shardReports = await Promise.all(outs.map(async (o) => JSON.parse(await readFile(path.join(o, 'cost-report.json'), 'utf8'))));
    expect(report.cost_usd.billed).toBeCloseTo(shardReports.reduce((a, r) => a + r.cost_usd.billed, 0), 10);
    const csv = (await readFile(path.join(root, 'all.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(25);
    const html = await readFile(path.join(root, 'all.html'), 'utf8');
    expect(html.match(/<article /g)).toHaveLength(24);
    // Each card's thumbnail is linked from the shard folder that made it.
    const srcs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs).toHaveLength(24);
    for (const src of srcs) expect(src).toMatch(/^shard-[123]\/thumbs\/[0-9a-f]{64}\.jpg$/);
  });

  it('--shard with a bad value or without the index variable is a one-line usage error (exit 2)', async () => {
    server = await startFakeOpenRouter();
    const photos = await makePhotoFolder(2);
    const r = await runCli(['run', photos, '-o', await tempDir(), '--shard', 'auto/4'], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/JOB_COMPLETION_INDEX/);
    expect(server.chatRequests()).toHaveLength(0);
  });
});

describe('the journal is robust', () => {
  it('foreign and malformed lines are skipped with a count, never a crash', async () => {
    server = await startFakeOpenRouter();
    const photos = await makePhotoFolder(3);
    const out = await tempDir('photobatch-out-');
    expect((await runCli(['run', photos, '-o', out, '-q'], { env: env() })).code).toBe(0);
    await appendFile(path.join(out, 'results.jsonl'), '{"hello":"world"}\nnot json at all\n[1,2]\n{"file":1,"path":"x","status":"ok"}\n\n');
    const again = await runCli(['run', photos, '-o', out], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/4 lines of results\.jsonl are not photobatch records/);
    const rep = await runCli(['report', out, '--json']);
    expect(rep.code).toBe(0);
    expect(JSON.parse(rep.stdout).photos).toMatchObject({ total: 3, ok: 3 });
    expect(rep.stderr).toMatch(/4 line\(s\)/);
  });

  it('duplicates are recorded once, not again on every re-run; a moved folder does not double the counts', async () => {
    server = await startFakeOpenRouter();
    const root = await tempDir('photobatch-move-');
    const photos = path.join(root, 'event');
    await cp(await makePhotoFolder(3), photos, { recursive: true });
    await makeJpeg(path.join(photos, 'copy-of-0.jpg'), { seed: 1 }); // same bytes as IMG_0000.jpg
    const out = path.join(root, 'out');
    expect((await runCli(['run', photos, '-o', out, '-q'], { env: env() })).code).toBe(0);
    expect((await runCli(['run', photos, '-o', out, '-q'], { env: env() })).code).toBe(0);
    expect((await runCli(['run', photos, '-o', out, '-q'], { env: env() })).code).toBe(0);
    expect(await lines(out)).toHaveLength(4);
    expect(server.chatRequests()).toHaveLength(3);

    await rename(photos, path.join(root, 'event-2026'));
    expect((await runCli(['run', path.join(root, 'event-2026'), '-o', out, '-q'], { env: env() })).code).toBe(0);
    expect(server.chatRequests()).toHaveLength(3); // nothing paid again
    const rep = JSON.parse((await runCli(['report', out, '--json'])).stdout);
    expect(rep.photos).toMatchObject({ total: 4, ok: 4 });
    expect(rep.cost_usd.billed).toBeCloseTo(billedByServer(), 10);
  });

  it('photobatch report after --force shows everything that was billed', async () => {
    server = await startFakeOpenRouter({ cost: () => 0.001 });
    const photos = await makePhotoFolder(2);
    const out = await tempDir('photobatch-out-');
    await runCli(['run', photos, '-o', out, '-q'], { env: env() });
    await runCli(['run', photos, '-o', out, '-q', '--force'], { env: env() });
    expect(server.chatRequests()).toHaveLength(4);
    const rep = JSON.parse((await runCli(['report', out, '--json'])).stdout);
    expect(rep.photos).toMatchObject({ total: 2, ok: 2 });
    expect(rep.cost_usd.billed).toBeCloseTo(0.004, 10);
    expect(rep.all_runs.billed_usd).toBeCloseTo(0.004, 10);
  });
});
