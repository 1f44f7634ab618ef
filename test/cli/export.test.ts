import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const KEY = 'sk-or-v1-test';
const HAVE_PYTHON = spawnSync('python3', ['--version']).status === 0;

/** Reads the CSV with Python's csv module: a real reader, not our writer's mirror image. */
function readCsv(text: string): Record<string, string>[] {
  const out = execFileSync('python3', ['-c', 'import csv,io,json,sys; print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.read(), newline="")))))'], {
    input: text,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const keywords = (n: number) => Array.from({ length: n }, (_, i) => `keyword ${i + 1}`);
const stockAnswer = (title: string, kw: string[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    title,
    description: 'Three friends hold red paper lanterns in a courtyard at dusk during the Lunar New Year festival.',
    keywords: kw,
    category: 'Culture and Religion',
    shutterstock_categories: ['Holidays', 'People'],
    ...extra,
  });

async function paidRun(answers: string[]): Promise<{ out: string; dir: string }> {
  // The prompt names the photo, so each photo gets its own answer whatever order they are sent in.
  server = await startFakeOpenRouter({ content: (req) => answers[Number(/IMG_(\d+)\.jpg/.exec(JSON.stringify(req.body.messages))![1])]! });
  const dir = await tempDir();
  for (let n = 0; n < answers.length; n++) await makeJpeg(path.join(dir, `IMG_${n}.jpg`), { seed: n + 1 });
  const out = await tempDir();
  const run = await runCli(['run', dir, '-o', out, '--preset', 'stock', '--max-keywords', '60', '--min-keywords', '5', '--prompt', 'Photo {filename}.'], {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url },
  });
  expect(run.code, run.stderr).toBe(0);
  return { out, dir };
}

describe.skipIf(!HAVE_PYTHON)('photobatch export', () => {
  it('--format adobe-stock: the exact template headers, a category number, keywords in order; nothing is sent', async () => {
    const { out } = await paidRun([stockAnswer('Friends with red lanterns at a Lunar New Year festival', keywords(30))]);
    const sent = server!.chatRequests().length;
    const res = await runCli(['export', out, '--format', 'adobe-stock']);
    expect(res.code, res.stderr).toBe(0);
    expect(server!.chatRequests().length).toBe(sent);
    expect(res.stdout.split('\r\n')[0]).toBe('Filename,Title,Keywords,Category,Releases');
    const [row] = readCsv(res.stdout);
    expect(row).toEqual({
      Filename: 'IMG_0.jpg',
      Title: 'Friends with red lanterns at a Lunar New Year festival',
      Keywords: keywords(30).join(', '),
      Category: '15',
      Releases: '',
    });
  });

  it('reports each photo that breaks a rule and why, writes nothing; --fix trims to the limits', async () => {
    const { out } = await paidRun([
      stockAnswer('Friends, lanterns, and a festival night in the old town of Hoi An, Vietnam, at dusk', keywords(55)),
      stockAnswer('Short title', keywords(10)),
    ]);
    const csvFile = path.join(await tempDir(), 'adobe.csv');
    const res = await runCli(['export', out, '--format', 'adobe-stock', '-o', csvFile]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/IMG_0\.jpg: title contains commas/);
    expect(res.stderr).toMatch(/IMG_0\.jpg: title is 83 characters; Adobe Stock takes at most 70/);
    expect(res.stderr).toMatch(/IMG_0\.jpg: 55 keywords; Adobe Stock takes at most 50/);
    expect(res.stderr).not.toMatch(/IMG_1\.jpg/);
    expect(res.stderr).toMatch(/Nothing written.*--fix/);
    await expect(readFile(csvFile)).rejects.toThrow();

    const fixed = await runCli(['export', out, '--format', 'adobe-stock', '-o', csvFile, '--fix']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const rows = readCsv(await readFile(csvFile, 'utf8'));
    expect(rows).toHaveLength(2);
    expect(rows[0]!.Title).toBe('Friends lanterns and a festival night in the old town of Hoi An');
    expect(rows[0]!.Title!.length).toBeLessThanOrEqual(70);
    expect(rows[0]!.Keywords!.split(', ')).toEqual(keywords(50));
    // -o never replaces a file without --force.
    const again = await runCli(['export', out, '--format', 'adobe-stock', '-o', csvFile, '--fix']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('--format shutterstock: Filename, Description, Keywords, Categories; too few keywords cannot be fixed and is left out', async () => {
    const { out } = await paidRun([stockAnswer('Lanterns', keywords(12)), stockAnswer('Lanterns too', keywords(5))]);
    const res = await runCli(['export', out, '--format', 'shutterstock', '--fix']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/IMG_1\.jpg: 5 keywords; Shutterstock needs at least 7/);
    expect(res.stdout.split('\r\n')[0]).toBe('Filename,Description,Keywords,Categories');
    const rows = readCsv(res.stdout);
    expect(rows).toEqual([
      {
        Filename: 'IMG_0.jpg',
        Description: 'Three friends hold red paper lanterns in a courtyard at dusk during the Lunar New Year festival.',
        Keywords: keywords(12).join(', '),
        Categories: 'Holidays,People',
      },
    ]);
  });

  it('merges several out folders (shards): the newest answer per photo, each photo once', async () => {
    const a = await tempDir();
    const b = await tempDir();
    const rec = (file: string, at: string, title: string) =>
      JSON.stringify({
        file, path: `/photos/${file}`, sha256: file, status: 'ok', model: 'm', attempts: 1, job: 'j', at,
        output: { title, description: `${title}.`, keywords: keywords(8), category: 'Travel', shutterstock_categories: ['Nature'] },
        usage: { prompt_tokens: 1, completion_tokens: 1, cost_usd: 0.001 },
      });
    await writeFile(path.join(a, 'results.jsonl'), [rec('x.jpg', '2026-01-01T00:00:00Z', 'Old x'), rec('y.jpg', '2026-01-01T00:00:01Z', 'Only y')].join('\n') + '\n');
    await writeFile(
      path.join(b, 'results.jsonl'),
      [rec('x.jpg', '2026-01-02T00:00:00Z', 'New x'), JSON.stringify({ file: 'z.jpg', path: '/photos/z.jpg', status: 'failed', attempts: 1, job: 'j', at: '2026-01-02T00:00:00Z', error: { kind: 'timeout', http_status: null, message: 't' } })].join('\n') + '\n',
    );
    const res = await runCli(['export', b, a, '--format', 'csv']);
    expect(res.code, res.stderr).toBe(0);
    const rows = readCsv(res.stdout);
    expect(rows.map((r) => [r.file, r.title])).toEqual([['x.jpg', 'New x'], ['y.jpg', 'Only y']]);
  });

  it('a folder without results is a usage error', async () => {
    const empty = await tempDir();
    await mkdir(path.join(empty, 'sub'));
    const res = await runCli(['export', empty]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/No results\.jsonl/);
  });
});
