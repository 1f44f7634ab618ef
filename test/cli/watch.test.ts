/**
 * `photobatch watch` end to end, in-process against the fake server, on a real folder: photos are
 * written slowly, in parts, under temporary names, copied; none may be sent before it is complete,
 * none twice, and Ctrl-C must leave current reports.
 */
import { copyFile, readFile, rename, writeFile, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ExifTool, type Tags } from 'exiftool-vendored';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { imageOutputReply, startFakeOpenRouter, type FakeRequest, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'sk-or-v1-' + 'a1b2'.repeat(16);
const MODEL = 'google/gemini-2.5-flash';
const LISTED = { id: MODEL, pricing: { prompt: '0.000001', completion: '0.000002' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } };

let server: FakeServer | undefined;
const exiftool = new ExifTool({ maxProcs: 1 });
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => exiftool.end());

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });
const lines = async (out: string) => (existsSync(path.join(out, 'results.jsonl')) ? jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8')) : []);
const sentSize = async (req: FakeRequest) => {
  const url: string = req.body.messages[0].content.find((c: any) => c.type === 'image_url').image_url.url;
  const meta = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
  return `${meta.width}x${meta.height}`;
};
const jpeg = (width: number, height: number, seed: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: seed * 40, g: 90, b: 200 - seed * 20 } } }).jpeg({ quality: 90 }).toBuffer();

/** Starts `watch` in-process; `stop()` sends Ctrl-C (or SIGTERM) and resolves with the finished run. */
function startWatch(args: string[], extraEnv: Record<string, string> = {}) {
  let send: (s: string) => void = () => {};
  const done = runCli(['watch', ...args], { env: { ...env(), ...extraEnv }, signals: (s) => (send = s) });
  return { done, signal: (name = 'SIGINT') => send(name) };
}

describe('photobatch watch', () => {
  it('takes the photos already there, then each new one only once complete; partial names wait; copies are sent once', async () => {
    server = await startFakeOpenRouter({ latencyMs: 20 });
    const dir = await tempDir('photobatch-hot-');
    const out = await tempDir('photobatch-out-');
    await makeJpeg(path.join(dir, 'A_existing.jpg'), { width: 40, height: 30, seed: 1 });
    await makeJpeg(path.join(dir, 'B_existing.jpg'), { width: 44, height: 30, seed: 2 });
    const w = startWatch([dir, '-o', out, '--settle', '0.4', '--json']);
    await waitFor('the existing photos', async () => (await lines(out)).length === 2);
    expect(server.chatRequests()).toHaveLength(2);

    // Written slowly in four parts, each gap shorter than the settle time: it must be sent whole, once.
    const slow = await jpeg(120, 80, 3);
    const slowFile = path.join(dir, 'sub', 'C_slow.jpg');
    await (await import('node:fs/promises')).mkdir(path.dirname(slowFile));
    for (let i = 0; i < 4; i++) {
      await appendFile(slowFile, slow.subarray(Math.floor((i * slow.length) / 4), Math.floor(((i + 1) * slow.length) / 4)));
      await new Promise((r) => setTimeout(r, 120));
    }
    // Under a temporary name, with pauses longer than the settle time, then renamed: only the final name counts.
    const parted = await jpeg(100, 90, 4);
    const partFile = path.join(dir, 'D_copying.jpg.part');
    await writeFile(partFile, parted.subarray(0, 200));
    await new Promise((r) => setTimeout(r, 900));
    await appendFile(partFile, parted.subarray(200));
    await writeFile(path.join(dir, '~E_office.jpg'), await jpeg(20, 20, 5));
    await writeFile(path.join(dir, '.F_hidden.jpg'), await jpeg(20, 20, 6));
    await writeFile(path.join(dir, 'G_download.jpg.tmp'), await jpeg(20, 20, 7));
    await rename(partFile, path.join(dir, 'D_copying.jpg'));
    // A byte-identical copy under a new name: answered from the first, not paid again.
    await copyFile(path.join(dir, 'A_existing.jpg'), path.join(dir, 'H_copy.jpg'));

    const all = await waitFor('five results', async () => ((await lines(out)).length >= 5 ? lines(out) : undefined));
    // The live gallery and the bill are current while the watch runs.
    const liveHtml = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(liveHtml).toMatch(/<meta http-equiv="refresh" content="3">/);
    await waitFor('cost-report.json with 4 ok', async () => JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8')).photos.ok >= 4 || undefined);

    w.signal('SIGINT');
    const run = await w.done;
    expect(run.code, run.stderr).toBe(0);
    expect(all.map((l) => l.file).sort()).toEqual(['A_existing.jpg', 'B_existing.jpg', 'D_copying.jpg', 'H_copy.jpg', 'sub/C_slow.jpg']);
    expect(all.every((l) => l.status === 'ok')).toBe(true);
    expect(all.find((l) => l.file === 'H_copy.jpg').duplicate_of).toBe('A_existing.jpg');
    // Four photos, four requests; each sent whole (at its full size: a partial JPEG would have failed to decode).
    const sizes = await Promise.all(server.chatRequests().map(sentSize));
    expect(sizes.sort()).toEqual(['100x90', '120x80', '40x30', '44x30']);
    expect(jsonLines(run.stdout).map((l) => l.file).sort()).toEqual(all.map((l) => l.file).sort());
    // After the event, the sheet is final: no reload, every photo on it.
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/http-equiv="refresh"/);
    const report = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report.photos.ok).toBe(5);
    expect(report.cost_usd.billed).toBeCloseTo(server.billed.reduce((s, b) => s + b.cost, 0), 10);
  });

  it('resumes: a second watch on the same --out sends nothing already answered', async () => {
    server = await startFakeOpenRouter();
    const dir = await tempDir('photobatch-hot-');
    const out = await tempDir('photobatch-out-');
    await makeJpeg(path.join(dir, 'one.jpg'), { seed: 11 });
    let w = startWatch([dir, '-o', out, '--settle', '0.2']);
    await waitFor('first answer', async () => (await lines(out)).length === 1);
    w.signal('SIGTERM');
    expect((await w.done).code).toBe(0);
    await makeJpeg(path.join(dir, 'two.jpg'), { seed: 12 });
    w = startWatch([dir, '-o', out, '--settle', '0.2', '--json']);
    await waitFor('second answer', async () => (await lines(out)).length === 2);
    w.signal();
    const second = await w.done;
    expect(second.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(2);
    expect(jsonLines(second.stdout).map((l) => [l.file, l.skipped ?? false]).sort()).toEqual([['one.jpg', true], ['two.jpg', false]]);
  });

  it('--max-cost caps the whole event: what is already billed into --out counts, and reaching it ends the watch with exit 4', async () => {
    // Billed below the worst case the budget reserves per photo (~$0.0004 at these prices and --max-tokens 50).
    server = await startFakeOpenRouter({ models: [LISTED], cost: () => 0.0003, completionTokens: 30 });
    const dir = await tempDir('photobatch-hot-');
    const out = await tempDir('photobatch-out-');
    for (let i = 0; i < 3; i++) await makeJpeg(path.join(dir, `p${i}.jpg`), { seed: 20 + i });
    const first = await runCli(['run', dir, '-o', out, '-m', MODEL], { env: env() });
    expect(first.code).toBe(0);
    // $0.0009 already billed into out: a cap of $0.0009 leaves nothing; the watch says so and sends nothing.
    const capped = await runCli(['watch', dir, '-o', out, '-m', MODEL, '--max-cost', '0.0009'], { env: env() });
    expect(capped.code).toBe(4);
    expect(capped.stderr).toMatch(/already billed .*--max-cost/);
    expect(server.chatRequests()).toHaveLength(3);

    // With room for about two more, new photos stop the watch by themselves: no signal needed.
    for (let i = 3; i < 9; i++) await makeJpeg(path.join(dir, `p${i}.jpg`), { seed: 20 + i });
    const w = startWatch([dir, '-o', out, '-m', MODEL, '--max-cost', '0.002', '--max-tokens', '50', '-c', '1', '--settle', '0.2']);
    const run = await w.done;
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/budget reached/i);
    const billed = server.billed.reduce((s, b) => s + b.cost, 0);
    expect(billed).toBeLessThanOrEqual(0.002 + 1e-12);
    expect(server.chatRequests().length).toBeGreaterThan(3);
    expect(server.chatRequests().length).toBeLessThan(9);
  });

  it('photobooth: --preset tet-greeting --modalities image,text saves each returned image, marked AI-made, and shows it in the live sheet', async () => {
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#d22' } }).png().toBuffer();
    const url = `data:image/png;base64,${png.toString('base64')}`;
    server = await startFakeOpenRouter({
      handler: (req) => imageOutputReply(req.n, url),
    });
    const dir = await tempDir('photobatch-booth-');
    const out = await tempDir('photobatch-out-');
    const w = startWatch([dir, '-o', out, '-m', 'google/gemini-2.5-flash-image', '--modalities', 'image,text', '--preset', 'tet-greeting', '--settle', '0.2']);
    await new Promise((r) => setTimeout(r, 300));
    await makeJpeg(path.join(dir, 'guest 01.jpg'), { seed: 31 });
    const [line] = await waitFor('the portrait', async () => ((await lines(out)).length === 1 ? lines(out) : undefined));
    expect(line.images).toEqual(['guest 01.jpg.ai-1.png']);
    const live = await waitFor('the portrait in the live sheet', async () => {
      const html = existsSync(path.join(out, 'report.html')) ? await readFile(path.join(out, 'report.html'), 'utf8') : '';
      return html.includes('src="guest 01.jpg.ai-1.png"') ? html : undefined;
    });
    expect(live).toMatch(/http-equiv="refresh"/);
    w.signal();
    expect((await w.done).code).toBe(0);
    // Read back by ExifTool: IPTC 2025.1 digital source type and the model as the AI system used.
    const tags = (await exiftool.read(path.join(out, 'guest 01.jpg.ai-1.png'))) as Tags & Record<string, unknown>;
    expect(tags.DigitalSourceType).toBe('http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia');
    expect(tags.AISystemUsed).toBe('google/gemini-2.5-flash-image');
    const pixels = await sharp(path.join(out, 'guest 01.jpg.ai-1.png')).raw().toBuffer();
    expect(pixels.equals(await sharp(png).raw().toBuffer())).toBe(true);
  });

  it('a second Ctrl-C aborts the photos in flight: exit 130, and they are not recorded as done', async () => {
    server = await startFakeOpenRouter({ handler: () => ({ hang: true }) });
    const dir = await tempDir('photobatch-hot-');
    const out = await tempDir('photobatch-out-');
    await makeJpeg(path.join(dir, 'stuck.jpg'), { seed: 41 });
    const w = startWatch([dir, '-o', out, '--settle', '0.2']);
    await waitFor('the request in flight', () => server!.inFlight === 1 || undefined);
    w.signal();
    w.signal();
    const run = await w.done;
    expect(run.code).toBe(130);
    expect((await lines(out)).filter((l) => l.status === 'ok')).toHaveLength(0);
  });

  it('--shard K/N: several machines watch one share, each takes its own photos (the same split as run)', async () => {
    const { shardOf } = await import('../../src/core/source/shard.js');
    server = await startFakeOpenRouter();
    const dir = await tempDir('photobatch-hot-');
    const out = await tempDir('photobatch-out-');
    const names = Array.from({ length: 6 }, (_, i) => `S_${i}.jpg`);
    for (const [i, n] of names.entries()) await makeJpeg(path.join(dir, n), { seed: 60 + i });
    const mine = names.filter((file) => shardOf({ file }, 2) === 0);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(names.length);
    const w = startWatch([dir, '-o', out, '--settle', '0.2', '--shard', '1/2']);
    await waitFor('shard 1 of 2', async () => (await lines(out)).length === mine.length);
    w.signal();
    expect((await w.done).code).toBe(0);
    expect((await lines(out)).map((l) => l.file).sort()).toEqual(mine.sort());
  });

  it('--poll: the network-share mode (no file system events) takes existing and new photos the same way', async () => {
    server = await startFakeOpenRouter();
    const dir = await tempDir('photobatch-hot-');
    const out = await tempDir('photobatch-out-');
    await makeJpeg(path.join(dir, 'P_before.jpg'), { seed: 81 });
    const w = startWatch([dir, '-o', out, '--settle', '0.3', '--poll', '100ms']);
    await waitFor('the existing photo', async () => (await lines(out)).length === 1);
    const partial = path.join(dir, 'P_after.jpg.part');
    await writeFile(partial, (await jpeg(60, 40, 8)).subarray(0, 100));
    await new Promise((r) => setTimeout(r, 600));
    await appendFile(partial, (await jpeg(60, 40, 8)).subarray(100));
    await rename(partial, path.join(dir, 'P_after.jpg'));
    await waitFor('the new photo, by polling', async () => (await lines(out)).length === 2);
    w.signal();
    const run = await w.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/polling: --poll/);
    expect((await lines(out)).map((l) => [l.file, l.status]).sort()).toEqual([['P_after.jpg', 'ok'], ['P_before.jpg', 'ok']]);
  });

  it('refuses a path that is not a folder, and --dry-run, with a usage error', async () => {
    server = await startFakeOpenRouter();
    const dir = await tempDir('photobatch-hot-');
    const file = await makeJpeg(path.join(dir, 'x.jpg'), { seed: 1 });
    const notFolder = await runCli(['watch', file, '-o', path.join(dir, 'out')], { env: env() });
    expect(notFolder.code).toBe(2);
    expect(notFolder.stderr).toMatch(/not a folder/);
    const dry = await runCli(['watch', dir, '--dry-run'], { env: env() });
    expect(dry.code).toBe(2);
  });
});
