/**
 * What a watch writes as photos arrive, end to end: the live gallery shows the newest photo first, and
 * two photos that would share a sidecar name get separate sidecars exactly as `run` names them, decided
 * as they arrive and kept by a later run over the same folder.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'sk-or-v1-' + 'c3d4'.repeat(16);
let server: FakeServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });
const lines = async (out: string) => (existsSync(path.join(out, 'results.jsonl')) ? jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8')) : []);
async function folders() {
  const dir = await tempDir('photobatch-hot-');
  const out = await tempDir('photobatch-out-');
  dirs.push(dir, out);
  return { dir, out };
}
function startWatch(args: string[]) {
  let send: (s: string) => void = () => {};
  const done = runCli(['watch', ...args], { env: env(), signals: (s) => (send = s) });
  return { done, stop: () => send('SIGINT') };
}
/** Every file below `dir` whose name ends with `ext`, relative. */
async function filesEnding(dir: string, ext: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter((f) => f.endsWith(ext)).map((f) => f.split(path.sep).join('/')).sort();
}

describe('watch outputs', () => {
  it('the live gallery shows the newest photo first', async () => {
    server = await startFakeOpenRouter({ latencyMs: 10 });
    const { dir, out } = await folders();
    await makeJpeg(path.join(dir, 'a-first-guest.jpg'), { seed: 11 });
    const w = startWatch([dir, '-o', out, '--settle', '0.2']);
    await waitFor('the first guest', async () => (await lines(out)).length === 1 || undefined);
    await makeJpeg(path.join(dir, 'b-second-guest.jpg'), { seed: 12 });
    const html = await waitFor('both guests in the live gallery', async () => {
      const page = existsSync(path.join(out, 'report.html')) ? await readFile(path.join(out, 'report.html'), 'utf8') : '';
      return page.includes('b-second-guest.jpg') && page.includes('a-first-guest.jpg') ? page : undefined;
    });
    expect(html).toMatch(/http-equiv="refresh"/);
    // Path order would put a- first: the guest who was just photographed is at the top instead.
    expect(html.indexOf('b-second-guest.jpg')).toBeLessThan(html.indexOf('a-first-guest.jpg'));
    w.stop();
    expect((await w.done).code).toBe(0);
  });

  it('same-stem photos arriving during a watch get separate sidecars, named as run names them, and a later run keeps the names', async () => {
    server = await startFakeOpenRouter({ latencyMs: 10 });
    const { dir, out } = await folders();
    // IMG_1.png is there first; IMG_1.jpg (which sorts before it) comes later; two cards hold an IMG_2.jpg each.
    await makeJpeg(path.join(dir, 'IMG_1.png'), { seed: 21 });
    // The card folders exist before the watch (a new folder's first files are the watcher's business, not this test's).
    await mkdir(path.join(dir, 'cardA'));
    await mkdir(path.join(dir, 'cardB'));
    const w = startWatch([dir, '-o', out, '--settle', '0.2', '--sidecar', 'json']);
    await waitFor('IMG_1.png', async () => (await lines(out)).length === 1 || undefined);
    await makeJpeg(path.join(dir, 'IMG_1.jpg'), { seed: 22 });
    await makeJpeg(path.join(dir, 'cardA', 'IMG_2.jpg'), { seed: 23 });
    await makeJpeg(path.join(dir, 'cardB', 'IMG_2.jpg'), { seed: 24 });
    await waitFor('four answers', async () => (await lines(out)).length >= 4 || undefined, 60_000);
    w.stop();
    const watched = await w.done;
    expect(watched.code, watched.stderr).toBe(0);
    const byFile = (ls: any[]) => Object.fromEntries(ls.map((l) => [l.file, (l.sidecars ?? []).map((s: string) => path.relative(out, s))]));
    const first = await lines(out);
    expect(first.filter((l) => l.sidecar_error)).toEqual([]);
    // The first to arrive keeps the shared name; the later one gets its own, never the other's.
    expect(byFile(first)).toEqual({
      'IMG_1.png': ['IMG_1.json'], 'IMG_1.jpg': ['IMG_1.jpg.json'], 'cardA/IMG_2.jpg': ['cardA/IMG_2.json'], 'cardB/IMG_2.jpg': ['cardB/IMG_2.json'],
    });
    const sidecars = await filesEnding(out, '.json');

    // A later run over the same folder with another prompt writes every sidecar again: under the same names,
    // though in path order run alone would have given IMG_1.jpg the shared one.
    const promptFile = path.join(await tempDir('photobatch-prompt-'), 'prompt.txt');
    dirs.push(path.dirname(promptFile));
    await writeFile(promptFile, 'Write one caption for {filename}.');
    const again = await runCli(['run', dir, '-o', out, '--sidecar', 'json', '--prompt-file', promptFile], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    const rerun = (await lines(out)).slice(4);
    expect(rerun).toHaveLength(4);
    expect(rerun.filter((l) => l.sidecar_error)).toEqual([]);
    expect(byFile(rerun)).toEqual(byFile(first));
    expect(rerun.every((l) => l.status === 'ok')).toBe(true);
    expect(await filesEnding(out, '.json')).toEqual(sidecars);
  });
});
