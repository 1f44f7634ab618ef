import { readFile, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeAwkwardFolder, makePhotoFolder, tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + 'ab12'.repeat(16);

let server: FakeServer;
let out: string;

beforeEach(async () => {
  out = await tempDir('photobatch-out-');
});
afterEach(async () => {
  await server?.close();
});

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url });
const results = async (dir = out) => jsonLines(await readFile(path.join(dir, 'results.jsonl'), 'utf8'));
const report = async (dir = out) => JSON.parse(await readFile(path.join(dir, 'cost-report.json'), 'utf8'));

describe('photobatch run', () => {
  it('records every photo, fails the broken ones clearly, and bills exactly what the server charged', async () => {
    server = await startFakeOpenRouter({ cost: (req) => 0.0001 * (1 + (req.n % 3)) });
    const { dir } = await makeAwkwardFolder();
    const run = await runCli(['run', dir, '-o', out, '-c', '3'], { env: env() });

    expect(run.stdout).toBe('');
    expect(run.code).toBe(3);
    const lines = await results();
    expect(lines.map((l) => l.file).sort()).toEqual(
      ['alpha.png', 'cmyk.jpg', 'empty.jpg', 'notes.jpg', 'rotated.jpg', 'truncated.jpg', 'ảnh Tết 01.jpg'].sort(),
    );
    const byFile = Object.fromEntries(lines.map((l) => [l.file, l]));
    for (const ok of ['alpha.png', 'cmyk.jpg', 'rotated.jpg', 'ảnh Tết 01.jpg']) {
      expect(byFile[ok].status, ok).toBe('ok');
      expect(byFile[ok].output).toMatch(/caption/i);
      expect(byFile[ok].sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(byFile[ok].generation_id).toMatch(/^gen-/);
    }
    for (const bad of ['empty.jpg', 'notes.jpg', 'truncated.jpg']) {
      expect(byFile[bad].status, bad).toBe('failed');
      expect(byFile[bad].error.kind).toBe('unreadable');
      expect(byFile[bad].error.message).not.toContain('\n');
      expect(byFile[bad].error.message.length).toBeGreaterThan(10);
    }
    const rep = await report();
    const billedByServer = server.billed.reduce((a, b) => a + b.cost, 0);
    expect(rep.cost_usd.billed).toBeCloseTo(billedByServer, 10);
    expect(rep.photos).toMatchObject({ total: 7, ok: 4, failed: 3, skipped: 0 });
    expect(server.chatRequests()).toHaveLength(4);
    expect(run.stderr).toMatch(/4 ok/);
    expect(run.stderr).toMatch(/1,000 photos like these/);
  });

  it('sends an upright, metadata-free JPEG after the prompt, with max_tokens and attribution headers', async () => {
    server = await startFakeOpenRouter();
    const { files } = await makeAwkwardFolder();
    const run = await runCli(['run', files.rotated!, '-o', out, '-m', 'openai/gpt-4o', '-p', 'Describe it', '--max-tokens', '77'], { env: env() });
    expect(run.code).toBe(0);
    const [req] = server.chatRequests();
    expect(req!.body.model).toBe('openai/gpt-4o');
    expect(req!.body.max_tokens).toBe(77);
    const [text, image] = req!.body.messages[0].content;
    expect(text).toEqual({ type: 'text', text: 'Describe it' });
    expect(image.type).toBe('image_url');
    expect(image.image_url.url).toMatch(/^data:image\/jpeg;base64,/);
    const sent = await sharp(Buffer.from(image.image_url.url.split(',')[1], 'base64')).metadata();
    // 80×40 stored with EXIF orientation 6 is a 40×80 portrait once upright.
    expect([sent.width, sent.height]).toEqual([40, 80]);
    expect(sent.exif).toBeUndefined();
    expect(sent.orientation).toBeUndefined();
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.headers['http-referer']).toBeTruthy();
    expect(req!.headers['x-openrouter-title']).toBe('photobatch');
    expect(req!.headers['x-title']).toBe('photobatch');
  });

  it('resumes: a second run sends nothing and reports everything skipped', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(6);
    const first = await runCli(['run', dir, '-o', out], { env: env() });
    expect(first.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(6);

    const second = await runCli(['run', dir, '-o', out], { env: env() });
    expect(second.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(6);
    const rep = await report();
    expect(rep.photos).toMatchObject({ total: 6, ok: 0, skipped: 6 });
    expect(rep.cost_usd.billed).toBe(0);
    expect((await results()).filter((r) => r.status === 'ok')).toHaveLength(6);

    // A different prompt is a different job: everything is done again.
    const third = await runCli(['run', dir, '-o', out, '-p', 'Keywords please'], { env: env() });
    expect(third.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(12);
    // --force redoes the same job.
    await runCli(['run', dir, '-o', out, '-p', 'Keywords please', '--force'], { env: env() });
    expect(server.chatRequests()).toHaveLength(18);
  });

  it('--json streams one result per photo on stdout and nothing else', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(5);
    const run = await runCli(['run', dir, '-o', out, '--json'], { env: env() });
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.file).sort()).toEqual((await readdir(dir)).sort());
    // A re-run still lists every photo, marked skipped.
    const again = await runCli(['run', dir, '-o', out, '--json'], { env: env() });
    expect(jsonLines(again.stdout).map((l) => l.file).sort()).toEqual((await readdir(dir)).sort());
    expect(jsonLines(again.stdout).every((l) => l.skipped === true)).toBe(true);
  });

  it('reads paths from stdin with -', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(3);
    const names = (await readdir(dir)).slice(0, 2).map((n) => path.join(dir, n));
    const run = await runCli(['run', '-', '-o', out, '--json'], { env: env(), stdin: names.join('\n') + '\n' });
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).map((l) => l.path).sort()).toEqual(names.sort());
  });

  it('skips hidden files and the output folder inside the input', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(2);
    await writeFile(path.join(dir, '.hidden.jpg'), await readFile(path.join(dir, 'IMG_0000.jpg')));
    const inner = path.join(dir, 'photobatch-out');
    await runCli(['run', dir, '-o', inner], { env: env() });
    const again = await runCli(['run', dir, '-o', inner, '--json'], { env: env() });
    expect(jsonLines(again.stdout).map((l) => l.file).sort()).toEqual(['IMG_0000.jpg', 'IMG_0001.jpg']);
  });
});

describe('stopping and exit codes', () => {
  it('401: stops at once with exit 4, points at .env, and never shows the key', async () => {
    server = await startFakeOpenRouter({ validKey: 'sk-or-v1-' + 'ff'.repeat(32) });
    const dir = await makePhotoFolder(3);
    const run = await runCli(['run', dir, '-o', out], { env: env() });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/OPENROUTER_API_KEY/);
    expect(run.stderr + run.stdout).not.toContain(KEY);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('402 out of credits: keeps finished results, exits 4, says how to continue', async () => {
    server = await startFakeOpenRouter({
      handler: (req) =>
        req.path.endsWith('/chat/completions') && req.n > 4
          ? { status: 402, body: { error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits', metadata: { limit_source: 'openrouter_credits' } } } }
          : undefined,
    });
    const dir = await makePhotoFolder(8);
    const run = await runCli(['run', dir, '-o', out, '-c', '1'], { env: env() });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/openrouter\.ai\/settings\/credits/);
    expect(run.stderr).toMatch(/re-run/i);
    const ok = (await results()).filter((r) => r.status === 'ok');
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThan(8);
    // Stop sending: no flood of requests after the first 402.
    expect(server.chatRequests().length).toBeLessThanOrEqual(ok.length + 2);
  });

  it('usage errors exit 2 with a one-line message', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(1);
    const noKey = await runCli(['run', dir, '-o', out], { env: { OPENROUTER_BASE_URL: server.url } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/OPENROUTER_API_KEY/);
    const missing = await runCli(['run', path.join(dir, 'nope'), '-o', out], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not found/i);
    const empty = await runCli(['run', await tempDir(), '-o', out], { env: env() });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/No photos found/);
    const badFlag = await runCli(['run', dir, '--concurrency', 'lots'], { env: env() });
    expect(badFlag.code).toBe(2);
    const unknownFlag = await runCli(['run', dir, '--frobnicate'], { env: env() });
    expect(unknownFlag.code).toBe(2);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('--version and --help succeed', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await runCli(['run', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--dry-run/);
  });

  it('Ctrl-C: finishes the photos in flight, writes the report, exits 130; a re-run completes the rest', async () => {
    server = await startFakeOpenRouter({ latencyMs: 150 });
    const dir = await makePhotoFolder(20);
    let send: (s: string) => void = () => {};
    const pending = runCli(['run', dir, '-o', out, '-c', '2'], { env: env(), signals: (s) => (send = s) });
    await waitFor(() => server.billed.length >= 3);
    send('SIGINT');
    const run = await pending;
    expect(run.code).toBe(130);
    const first = await results();
    expect(first.every((r) => r.status === 'ok')).toBe(true);
    expect(first.length).toBeLessThan(20);
    expect((await report()).photos.ok).toBe(first.length);

    const rerun = await runCli(['run', dir, '-o', out, '-c', '4'], { env: env() });
    expect(rerun.code).toBe(0);
    const all = await results();
    expect(new Set(all.map((r) => r.file)).size).toBe(20);
    expect(all.filter((r) => r.status === 'ok')).toHaveLength(20);
  });
});

describe('--dry-run', () => {
  it('estimates offline with no key and sends nothing', async () => {
    const dir = await makePhotoFolder(4, { width: 3000, height: 2000 });
    const run = await runCli(['run', dir, '--dry-run', '-o', out, '-m', 'anthropic/claude-sonnet-4.5'], {
      env: { OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1' },
    });
    expect(run.code).toBe(0);
    // stdout is the data: the expected cost as one number, so est=$(photobatch run … --dry-run) works.
    expect(run.stdout).toMatch(/^\d+(\.\d+)?\n$/);
    expect(run.stderr).toMatch(/4 photos found/);
    expect(run.stderr).toMatch(/Expected cost \$/);
    expect(run.stderr).toMatch(/snapshot/);

    const json = await runCli(['run', dir, '--dry-run', '--json', '-m', 'anthropic/claude-sonnet-4.5'], { env: {} });
    const doc = JSON.parse(json.stdout);
    expect(doc.photos).toHaveLength(4);
    // 3000×2000 for Claude is sized to what it can see: 1568 tokens at most.
    expect(doc.photos[0].image_tokens).toBeLessThanOrEqual(1568);
    expect(doc.totals.expected_usd).toBeGreaterThan(0);
    expect(doc.totals.worst_usd).toBeGreaterThan(doc.totals.expected_usd);
    // The plain number is the document's expected total, and the keys are snake_case like results.jsonl.
    expect(Number(run.stdout)).toBeCloseTo(doc.totals.expected_usd, 6);
    expect(JSON.stringify(doc)).not.toMatch(/"[a-z]+[A-Z]\w*":/);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
