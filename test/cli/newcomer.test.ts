import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';

const KEY = 'sk-or-v1-' + 'cd34'.repeat(16);
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });

describe('photobatch results', () => {
  it('prints the current result per photo: a photo a later run fixed is ok, and --failed lists only what is still failed', async () => {
    let failFirst = true;
    server = await startFakeOpenRouter({
      handler: (req) => (failFirst && req.n === 1 ? { status: 400, body: { error: { code: 400, message: 'Provider returned error' } } } : undefined),
    });
    const dir = await makePhotoFolder(3);
    const out = await tempDir('photobatch-out-');
    const first = await runCli(['run', dir, '-o', out, '-c', '1', '--retries', '0'], { env: env() });
    expect(first.code, first.stderr).toBe(3);
    // The summary points at the command that lists them.
    expect(first.stderr).toContain(`Failures: bad_request 1  (each one's message: photobatch results ${out} --failed)`);
    const failedNow = await runCli(['results', out, '--failed']);
    expect(failedNow.code).toBe(0);
    expect(failedNow.stdout.trim().split('\n')).toHaveLength(1);
    expect(failedNow.stdout).toMatch(/^IMG_000\d\.jpg\tfailed\tbad_request: /);
    const failedFile = failedNow.stdout.split('\t')[0];

    failFirst = false;
    const second = await runCli(['run', dir, '-o', out, '-c', '1'], { env: env() });
    expect(second.code, second.stderr).toBe(0);
    // The journal still holds the old failure; the current view does not.
    const journal = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(journal.filter((r) => r.file === failedFile).map((r) => r.status)).toEqual(['failed', 'ok']);
    expect((await runCli(['results', out, '--failed'])).stdout).toBe('');
    const all = await runCli(['results', out]);
    expect(all.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2))).toEqual([
      ['IMG_0000.jpg', 'ok'], ['IMG_0001.jpg', 'ok'], ['IMG_0002.jpg', 'ok'],
    ]);
    const json = jsonLines((await runCli(['results', out, '--json'])).stdout);
    expect(json.map((r) => [r.file, r.status])).toEqual([['IMG_0000.jpg', 'ok'], ['IMG_0001.jpg', 'ok'], ['IMG_0002.jpg', 'ok']]);
    expect(json[0].generation_id).toMatch(/^gen-/);
  });

  it('renders preset outputs (objects) as one line of JSON, keeps each photo on one row, and merges folders', async () => {
    server = await startFakeOpenRouter({
      content: (req) => JSON.stringify({ caption: `Guests dance under lanterns ${req.n}`, keywords: ['wedding', 'dance', 'lantern', 'night', 'guests'] }),
    });
    const dir = await makePhotoFolder(2);
    const outA = await tempDir('photobatch-out-');
    const outB = await tempDir('photobatch-out-');
    expect((await runCli(['run', path.join(dir, 'IMG_0000.jpg'), '-o', outA, '--preset', 'caption,keywords'], { env: env() })).code).toBe(0);
    expect((await runCli(['run', path.join(dir, 'IMG_0001.jpg'), '-o', outB, '--preset', 'caption,keywords'], { env: env() })).code).toBe(0);
    const run = await runCli(['results', outA, outB]);
    const rows = run.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => r.length)).toEqual([3, 3]);
    expect(rows.map((r) => r[0])).toEqual(['IMG_0000.jpg', 'IMG_0001.jpg']);
    expect(rows[0]![2]).toMatch(/^\{"caption":"Guests/);
    expect(JSON.parse(rows[0]![2]!)).toMatchObject({ caption: 'Guests dance under lanterns 1', keywords: ['wedding', 'dance', 'lantern', 'night', 'guests'] });
  });

  it('says what to do when a folder has no results.jsonl (exit 2)', async () => {
    const empty = await tempDir('photobatch-empty-');
    const run = await runCli(['results', empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No results\.jsonl in .*pass the --out folder of a run/);
  });
});

describe('off a terminal', () => {
  it('prints a plain progress line every few photos on stderr, none with --quiet, and names report.html in the summary', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(5);
    const out = await tempDir('photobatch-out-');
    const run = await runCli(['run', dir, '-o', out, '-c', '1'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const progress = run.stderr.split('\n').filter((l) => l.startsWith('progress: '));
    expect(progress.map((l) => l.split(' · ')[0])).toEqual([1, 2, 3, 4, 5].map((n) => `progress: ${n}/5 photos`));
    expect(progress[4]).toMatch(/ok 5 · failed 0 · skipped 0 · \$0\.\d{4} · [\d.]+s elapsed$/);
    expect(run.stderr).toMatch(/^Results: .*results\.jsonl.* · contact sheet: .*report\.html/m);

    const quiet = await runCli(['run', dir, '-o', await tempDir('photobatch-out-'), '-q'], { env: env() });
    expect(quiet.stderr).toBe('');
    const noProgress = await runCli(['run', dir, '-o', await tempDir('photobatch-out-'), '--no-progress'], { env: env() });
    expect(noProgress.stderr).not.toMatch(/^progress: /m);
  });
});

describe('a dry run in a script', () => {
  it('est=$(photobatch run … --dry-run) captures the expected cost; --quiet keeps it and drops the human text', async () => {
    const dir = await makePhotoFolder(3);
    const run = await runCli(['run', dir, '--dry-run', '-q', '-o', await tempDir('photobatch-out-')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(Number(run.stdout)).toBeGreaterThan(0);
    const unknown = await runCli(['run', dir, '--dry-run', '-q', '-m', 'nobody/unpriced-model', '-o', await tempDir('photobatch-out-')]);
    expect(unknown.stdout).toBe('unknown\n');
  });
});
