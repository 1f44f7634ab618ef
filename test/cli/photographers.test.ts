import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ExifTool, type Tags } from 'exiftool-vendored';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { imageOutputReply, startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, makePhotoFolder, tempDir } from '../helpers/images.js';
import { photobatchExiftoolArgs } from '../../src/core/outputs/sidecars/index.js';

const exiftool = new ExifTool({ maxProcs: 1, exiftoolArgs: photobatchExiftoolArgs() });
afterAll(() => exiftool.end());

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const KEY = 'sk-or-v1-test';
const structured = (n: number) =>
  JSON.stringify({
    caption: `Guests light red lanterns at dusk, photo ${n}`,
    keywords: ['lantern', 'Lantern', 'celebration', 'family', 'dusk', 'red', '2024-02-10'],
    alt_text: `Three people holding red paper lanterns in a courtyard at dusk (${n}).`,
  });

describe('for photographers', () => {
  it('--preset caption,keywords,alt-text --sidecar xmp: one structured request per photo, XMP that ExifTool reads back', async () => {
    server = await startFakeOpenRouter({ content: (req) => structured(req.n) });
    const dir = await makePhotoFolder(3);
    const out = await tempDir();
    const before = await stat(path.join(dir, 'IMG_0000.jpg'));
    const run = await runCli(['run', dir, '-o', out, '--preset', 'caption,keywords,alt-text', '--sidecar', 'xmp', '--sidecar', 'json'], {
      env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url },
    });
    expect(run.stderr).not.toMatch(/sidecar not written/);
    expect(run.code).toBe(0);

    const [req] = server.chatRequests();
    expect(req!.body.response_format.type).toBe('json_schema');
    expect(req!.body.provider).toEqual({ require_parameters: true });
    expect(server.chatRequests()).toHaveLength(3);

    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    const first = lines.find((l) => l.file === 'IMG_0000.jpg');
    expect(first.output.caption).toMatch(/lanterns/);
    // De-duplicated, and no dates.
    expect(first.output.keywords).toEqual(['lantern', 'celebration', 'family', 'dusk', 'red']);
    expect(first.sidecars).toEqual(expect.arrayContaining([expect.stringMatching(/IMG_0000\.xmp$/), expect.stringMatching(/IMG_0000\.json$/)]));

    const tags = (await exiftool.read(path.join(out, 'IMG_0000.xmp'))) as Tags & Record<string, unknown>;
    expect(tags.Description).toBe(first.output.caption);
    expect(tags.Subject).toEqual(['lantern', 'celebration', 'family', 'dusk', 'red']);
    expect(String(tags.AltTextAccessibility)).toBe(first.output.alt_text);
    expect(tags.PhotobatchModel).toBe(first.model);
    // The original is never touched.
    const after = await stat(path.join(dir, 'IMG_0000.jpg'));
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.size).toBe(before.size);
  });

  it('an answer that fails validation is asked once more, then recorded as invalid_output with the raw text, and still billed', async () => {
    server = await startFakeOpenRouter({ content: () => 'Sorry, I cannot produce JSON today.', cost: () => 0.001 });
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '--preset', 'caption,keywords'], { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url } });
    expect(run.code).toBe(3);
    expect(server.chatRequests()).toHaveLength(2);
    const [line] = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(line.status).toBe('failed');
    expect(line.error.kind).toBe('invalid_output');
    expect(line.raw_output).toMatch(/cannot produce JSON/);
    const report = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report.cost_usd.billed).toBeCloseTo(0.002, 10);
  });

  it('byte-identical photos are sent once and recorded for each copy', async () => {
    server = await startFakeOpenRouter();
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'a.jpg'), { seed: 5 });
    await makeJpeg(path.join(dir, 'copy-of-a.jpg'), { seed: 5 });
    await makeJpeg(path.join(dir, 'b.jpg'), { seed: 6 });
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out], { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url } });
    expect(run.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(2);
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    // Either of the two identical files may be the one sent; the other is recorded as its duplicate.
    const pair = lines.filter((l) => l.file === 'a.jpg' || l.file === 'copy-of-a.jpg');
    const copy = pair.find((l) => l.duplicate_of !== undefined);
    const original = pair.find((l) => l.duplicate_of === undefined);
    expect(copy.status).toBe('ok');
    expect(copy.output).toBe(original.output);
    expect(copy.duplicate_of).toBe(original.file);
    expect(copy.usage.cost_usd).toBe(0);
  });

  it('when the first of two identical photos fails, the copy gets its own try and both are recorded', async () => {
    server = await startFakeOpenRouter({
      handler: (req) => (req.n === 1 ? { status: 403, body: { error: { code: 403, message: 'Input flagged', metadata: { reasons: ['test'] } } } } : undefined),
    });
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'a.jpg'), { seed: 5 });
    await makeJpeg(path.join(dir, 'b-copy.jpg'), { seed: 5 });
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '-c', '4'], { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url } });
    expect(run.code).toBe(3);
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    // Whichever copy is hashed first is sent first and fails; the other then gets its own try.
    expect(lines.map((l) => l.status).sort()).toEqual(['failed', 'ok']);
    expect(lines.map((l) => l.file).sort()).toEqual(['a.jpg', 'b-copy.jpg']);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('writes report.html with a thumbnail per photo', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(3);
    const out = await tempDir();
    await runCli(['run', dir, '-o', out], { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url } });
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    for (const l of lines) {
      expect(html).toContain(`thumbs/${l.sha256}.jpg`);
      await expect(stat(path.join(out, 'thumbs', `${l.sha256}.jpg`))).resolves.toBeTruthy();
    }
  });
});

describe('image-output models', () => {
  it('--modalities image,text saves each returned image in --out, lists it, and counts its cost', async () => {
    const png = (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#c00' } }).png().toBuffer();
    const url = `data:image/png;base64,${(await png).toString('base64')}`;
    server = await startFakeOpenRouter({
      handler: (req) => imageOutputReply(req.n, url),
    });
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'guest 01.jpg'), { seed: 1 });
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '-m', 'google/gemini-2.5-flash-image', '--modalities', 'image,text', '--preset', 'tet-greeting'], {
      env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url },
    });
    expect(run.code).toBe(0);
    expect(server.chatRequests()[0]!.body.modalities).toEqual(['image', 'text']);
    const [line] = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(line.images).toEqual(['guest 01.jpg.ai-1.png']);
    const saved = await (await import('sharp')).default(path.join(out, 'guest 01.jpg.ai-1.png')).metadata();
    expect([saved.format, saved.width]).toEqual(['png', 8]);
    const report = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report.cost_usd.billed).toBeCloseTo(0.039, 10);
  });
});
